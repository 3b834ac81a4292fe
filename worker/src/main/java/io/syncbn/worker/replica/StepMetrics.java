package io.syncbn.worker.replica;

import java.io.Serializable;

/**
 * What one global step did, identical on every replica (the numbers are all-reduced).
 *
 * @param iteration the network's iteration count before the step
 * @param examples examples in the global batch
 * @param loss mean loss over the global batch (data loss averaged over examples, plus regularization)
 * @param correct examples whose arg-max prediction (training mode) matched the label
 * @param millis wall time of the step on this replica
 */
public record StepMetrics(long iteration, long examples, double loss, long correct, double millis) implements Serializable {

    /** Fraction of the global batch predicted correctly. */
    public double accuracy() {
        return examples == 0 ? 0 : (double) correct / examples;
    }
}
