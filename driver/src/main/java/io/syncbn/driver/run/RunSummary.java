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
 */
public record RunSummary(TrainConfig config, String sparkMaster, DataSource data, long parameters,
        List<EpochRecord> epochs, double runSeconds) {

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
        o.put("test_accuracy", last().testAccuracy());
        o.put("test_loss", last().testLoss());
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
