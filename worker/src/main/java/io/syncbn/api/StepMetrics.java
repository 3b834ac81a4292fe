package io.syncbn.api;

import java.io.Serializable;

/**
 * What one global step did, identical on every replica (the numbers are all-reduced).
 *
 * @param iteration the network's iteration count before the step
 * @param examples examples in the global batch
 * @param loss mean loss over the global batch (data loss averaged over examples, plus regularization)
 * @param correct examples whose arg-max prediction (training mode) matched the label
 * @param millis wall time of the step on this replica
 * @param divergenceMean on a diagnostic step, per batch-normalization layer: the mean over channels
 *     and workers of |μ_local − μ_global| / σ_global ({@link io.syncbn.stats.StatisticsDivergence});
 *     {@code null} on other steps
 * @param divergenceLogVar on a diagnostic step, per layer: the mean of |log(σ²_local / σ²_global)|;
 *     {@code null} on other steps
 */
public record StepMetrics(long iteration, long examples, double loss, long correct, double millis,
        double[] divergenceMean, double[] divergenceLogVar) implements Serializable {

    /** A step without diagnostics. */
    public StepMetrics(long iteration, long examples, double loss, long correct, double millis) {
        this(iteration, examples, loss, correct, millis, null, null);
    }

    /** Fraction of the global batch predicted correctly. */
    public double accuracy() {
        return examples == 0 ? 0 : (double) correct / examples;
    }

    /** Whether this step measured the statistics' divergence. */
    public boolean hasDiagnostics() {
        return divergenceMean != null;
    }
}
