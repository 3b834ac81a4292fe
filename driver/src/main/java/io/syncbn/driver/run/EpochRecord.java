package io.syncbn.driver.run;

import io.syncbn.driver.evaluation.EpochDiagnostics;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * One epoch as {@code metrics.jsonl} records it: {@code {"type":"epoch", ...}}. Training numbers are
 * over the epoch's global batches in training mode (batch statistics); test numbers are on the
 * held-out set in inference mode (running statistics).
 *
 * @param epoch 1-based epoch
 * @param steps global steps in the epoch
 * @param examples training examples seen
 * @param trainLoss mean training loss per example
 * @param trainAccuracy fraction of training examples predicted correctly
 * @param testLoss mean test loss per example
 * @param testAccuracy fraction of test examples predicted correctly
 * @param testExamples size of the test set
 * @param trainSeconds wall time of the epoch's training (Spark stages), without the evaluation
 * @param diagnostics batch-normalization diagnostics at the epoch's end (keys {@code bn_layers},
 *     {@code running_gap_mean}, {@code running_gap_logvar}, {@code test_accuracy_batch_stats}, {@code
 *     test_loss_batch_stats}, {@code batch_stats_block}), or {@code null} when not measured
 */
public record EpochRecord(int epoch, int steps, long examples, double trainLoss, double trainAccuracy,
        double testLoss, double testAccuracy, long testExamples, double trainSeconds, EpochDiagnostics diagnostics) {

    /** An epoch without diagnostics. */
    public EpochRecord(int epoch, int steps, long examples, double trainLoss, double trainAccuracy, double testLoss,
            double testAccuracy, long testExamples, double trainSeconds) {
        this(epoch, steps, examples, trainLoss, trainAccuracy, testLoss, testAccuracy, testExamples, trainSeconds,
                null);
    }

    /** Training examples per second of wall time. */
    public double examplesPerSecond() {
        return trainSeconds > 0 ? examples / trainSeconds : 0;
    }

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("type", "epoch");
        o.put("epoch", epoch);
        o.put("steps", steps);
        o.put("examples", examples);
        o.put("train_loss", trainLoss);
        o.put("train_accuracy", trainAccuracy);
        o.put("test_loss", testLoss);
        o.put("test_accuracy", testAccuracy);
        o.put("test_examples", testExamples);
        o.put("train_seconds", trainSeconds);
        o.put("examples_per_second", examplesPerSecond());
        if (diagnostics != null) {
            o.putPOJO("bn_layers", diagnostics.layers());
            Json.putArray(o, "running_gap_mean", diagnostics.runningGapMean());
            Json.putArray(o, "running_gap_logvar", diagnostics.runningGapLogVar());
            Json.putNumber(o, "test_accuracy_batch_stats", diagnostics.testAccuracyBatch());
            Json.putNumber(o, "test_loss_batch_stats", diagnostics.testLossBatch());
            o.put("batch_stats_block", diagnostics.batch());
        }
        return o;
    }

    private static EpochDiagnostics diagnosticsFromJson(JsonNode o) {
        if (!o.has("bn_layers")) {
            return null;
        }
        List<String> layers = new ArrayList<>();
        o.get("bn_layers").forEach(n -> layers.add(n.asText()));
        return new EpochDiagnostics(layers, Json.doubles(o.get("running_gap_mean")),
                Json.doubles(o.get("running_gap_logvar")), Json.number(o.get("test_accuracy_batch_stats")),
                Json.number(o.get("test_loss_batch_stats")), o.get("batch_stats_block").asInt());
    }

    static EpochRecord fromJson(JsonNode o) {
        return new EpochRecord(o.get("epoch").asInt(), o.get("steps").asInt(), o.get("examples").asLong(),
                o.get("train_loss").asDouble(), o.get("train_accuracy").asDouble(), o.get("test_loss").asDouble(),
                o.get("test_accuracy").asDouble(), o.get("test_examples").asLong(), o.get("train_seconds").asDouble(),
                diagnosticsFromJson(o));
    }
}
