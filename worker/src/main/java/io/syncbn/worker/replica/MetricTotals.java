package io.syncbn.worker.replica;

import io.syncbn.api.StepMetrics;

/**
 * Running sums over global steps, from which the mean loss per example and the accuracy follow:
 * what an epoch summary and a progress display both report.
 */
public final class MetricTotals {

    private int steps;
    private long examples;
    private double lossSum;
    private long correct;

    /** Adds one step: {@code examples} examples with mean loss {@code loss}, {@code correct} right. */
    public void add(long stepExamples, double loss, long stepCorrect) {
        steps++;
        examples += stepExamples;
        lossSum += loss * stepExamples;
        correct += stepCorrect;
    }

    /** Adds one step's metrics. */
    public void add(StepMetrics m) {
        add(m.examples(), m.loss(), m.correct());
    }

    /** Steps added. */
    public int steps() {
        return steps;
    }

    /** Examples over the steps added. */
    public long examples() {
        return examples;
    }

    /** Mean loss per example; {@code NaN} before any example. */
    public double loss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    /** Fraction of examples predicted correctly; {@code NaN} before any example. */
    public double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }
}
