package io.syncbn.driver.run;

import io.syncbn.worker.replica.StepMetrics;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * One global step as {@code metrics.jsonl} records it: {@code {"type":"step", ...}}.
 *
 * @param epoch 1-based epoch
 * @param step 1-based step within the epoch
 * @param steps steps in the epoch
 * @param iteration the network's iteration count before the step
 * @param examples examples in the global batch
 * @param loss mean training loss over the global batch (batch statistics)
 * @param correct examples whose training-mode prediction matched the label
 * @param millis wall time of the step on a worker
 */
public record StepRecord(int epoch, int step, int steps, long iteration, long examples, double loss, long correct,
        double millis) {

    /** The record of step {@code step} (1-based) of epoch {@code epoch} (1-based). */
    public static StepRecord of(int epoch, int step, int steps, StepMetrics m) {
        return new StepRecord(epoch, step, steps, m.iteration(), m.examples(), m.loss(), m.correct(), m.millis());
    }

    /** Fraction of the global batch predicted correctly. */
    public double accuracy() {
        return examples == 0 ? 0 : (double) correct / examples;
    }

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("type", "step");
        o.put("epoch", epoch);
        o.put("step", step);
        o.put("steps", steps);
        o.put("iteration", iteration);
        o.put("examples", examples);
        o.put("loss", loss);
        o.put("correct", correct);
        o.put("accuracy", accuracy());
        o.put("millis", millis);
        return o;
    }

    static StepRecord fromJson(JsonNode o) {
        return new StepRecord(o.get("epoch").asInt(), o.get("step").asInt(), o.get("steps").asInt(),
                o.get("iteration").asLong(), o.get("examples").asLong(), o.get("loss").asDouble(),
                o.get("correct").asLong(), o.get("millis").asDouble());
    }
}
