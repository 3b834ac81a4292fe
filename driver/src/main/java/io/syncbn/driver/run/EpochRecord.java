package io.syncbn.driver.run;

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
 */
public record EpochRecord(int epoch, int steps, long examples, double trainLoss, double trainAccuracy,
        double testLoss, double testAccuracy, long testExamples, double trainSeconds) {

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
        return o;
    }

    static EpochRecord fromJson(JsonNode o) {
        return new EpochRecord(o.get("epoch").asInt(), o.get("steps").asInt(), o.get("examples").asLong(),
                o.get("train_loss").asDouble(), o.get("train_accuracy").asDouble(), o.get("test_loss").asDouble(),
                o.get("test_accuracy").asDouble(), o.get("test_examples").asLong(), o.get("train_seconds").asDouble());
    }
}
