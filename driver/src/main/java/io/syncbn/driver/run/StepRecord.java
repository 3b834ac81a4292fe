package io.syncbn.driver.run;

import io.syncbn.api.StepMetrics;
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
 * @param divergenceMean on a diagnostic step, per batch-normalization layer, the mean over channels and
 *     workers of |μ_local − μ_global| / σ_global (key {@code bn_div_mean}); else {@code null}
 * @param divergenceLogVar on a diagnostic step, per layer, the mean of |log(σ²_local / σ²_global)| (key
 *     {@code bn_div_logvar}); else {@code null}
 */
public record StepRecord(int epoch, int step, int steps, long iteration, long examples, double loss, long correct,
        double millis, double[] divergenceMean, double[] divergenceLogVar) {

    /** A step without diagnostics. */
    public StepRecord(int epoch, int step, int steps, long iteration, long examples, double loss, long correct,
            double millis) {
        this(epoch, step, steps, iteration, examples, loss, correct, millis, null, null);
    }

    /** The record of step {@code step} (1-based) of epoch {@code epoch} (1-based). */
    public static StepRecord of(int epoch, int step, int steps, StepMetrics m) {
        return new StepRecord(epoch, step, steps, m.iteration(), m.examples(), m.loss(), m.correct(), m.millis(),
                m.divergenceMean(), m.divergenceLogVar());
    }

    /** Whether this step measured the statistics' divergence. */
    public boolean hasDiagnostics() {
        return divergenceMean != null;
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
        if (divergenceMean != null) {
            Json.putArray(o, "bn_div_mean", divergenceMean);
            Json.putArray(o, "bn_div_logvar", divergenceLogVar);
        }
        return o;
    }

    static StepRecord fromJson(JsonNode o) {
        return new StepRecord(o.get("epoch").asInt(), o.get("step").asInt(), o.get("steps").asInt(),
                o.get("iteration").asLong(), o.get("examples").asLong(), o.get("loss").asDouble(),
                o.get("correct").asLong(), o.get("millis").asDouble(), Json.doubles(o.get("bn_div_mean")),
                Json.doubles(o.get("bn_div_logvar")));
    }
}
