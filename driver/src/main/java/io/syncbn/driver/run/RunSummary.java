package io.syncbn.driver.run;

import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.data.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * {@code summary.json}, the last file a run writes: its presence marks the run finished. It holds the
 * configuration, the data and network sizes, every epoch's record and the final test accuracy and
 * loss (inference mode, running statistics).
 *
 * @param config the run's configuration
 * @param sparkMaster the Spark master the run used last
 * @param data the data source trained and evaluated on
 * @param parameters the network's parameter count (running statistics included)
 * @param epochs every epoch's record, in order
 * @param runSeconds wall time of training and evaluation over all attempts of the run
 * @param preciseBn what PreciseBN changed after training, or {@code null} when it did not run
 */
public record RunSummary(TrainConfig config, String sparkMaster, DataSource data, long parameters,
        List<EpochRecord> epochs, double runSeconds, PreciseBn preciseBn) {

    /**
     * PreciseBN after training: the running statistics recomputed over {@code batches} global batches.
     *
     * @param batches global batches of training data
     * @param accuracyBefore test accuracy with the moving averages
     * @param lossBefore test loss with the moving averages
     * @param accuracyAfter test accuracy with the recomputed statistics (the model written)
     * @param lossAfter test loss with the recomputed statistics
     */
    public record PreciseBn(int batches, double accuracyBefore, double lossBefore, double accuracyAfter,
            double lossAfter) {
    }

    /** The test accuracy of the model written: after PreciseBN if it ran, else the last epoch's. */
    public double testAccuracy() {
        return preciseBn != null ? preciseBn.accuracyAfter() : last().testAccuracy();
    }

    /** The test loss of the model written. */
    public double testLoss() {
        return preciseBn != null ? preciseBn.lossAfter() : last().testLoss();
    }

    /** The last epoch's record. */
    public EpochRecord last() {
        return epochs.get(epochs.size() - 1);
    }

    /**
     * The {@code run_seconds} of a written summary.
     *
     * @throws IOException if the file cannot be read or holds no run time
     */
    public static double readRunSeconds(Path file) throws IOException {
        JsonNode o = Json.parse(Files.readString(file));
        if (!o.has("run_seconds")) {
            throw new IOException(file + " holds no run_seconds; it is not a summary of a finished run");
        }
        return o.get("run_seconds").asDouble();
    }

    /** Writes the summary to {@code file} atomically. */
    public void write(Path file) throws IOException {
        ObjectNode o = Json.object();
        o.put("status", "finished");
        o.put("finished_at", Instant.now().toString());
        o.put("model_file", RunDirectory.MODEL);
        o.put("test_accuracy", testAccuracy());
        o.put("test_loss", testLoss());
        if (preciseBn != null) {
            ObjectNode p = o.putObject("precise_bn");
            p.put("batches", preciseBn.batches());
            p.put("test_accuracy_before", preciseBn.accuracyBefore());
            p.put("test_loss_before", preciseBn.lossBefore());
            p.put("test_accuracy_after", preciseBn.accuracyAfter());
            p.put("test_loss_after", preciseBn.lossAfter());
        }
        o.put("test_examples", last().testExamples());
        o.put("epochs_trained", epochs.size());
        o.put("steps", epochs.stream().mapToLong(EpochRecord::steps).sum());
        o.put("global_batch", config.globalBatch());
        o.put("run_seconds", runSeconds);
        o.put("spark_master", sparkMaster);
        o.put("parameters", parameters);
        ObjectNode d = o.putObject("data");
        d.put("spec", data.name());
        d.put("train_examples", data.trainCount());
        d.put("test_examples", data.testCount());
        ArrayNode shape = d.putArray("feature_shape");
        data.featureShape().forEach(shape::add);
        d.put("classes", data.classes());
        ObjectNode c = o.putObject("config");
        config.toMap().forEach(c::put);
        ArrayNode list = o.putArray("epochs");
        epochs.forEach(e -> list.add(e.toJson()));
        AtomicFiles.writeString(file, Json.pretty(o));
    }
}
