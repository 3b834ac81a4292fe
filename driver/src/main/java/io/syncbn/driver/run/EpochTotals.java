package io.syncbn.driver.run;

/** Sums of an epoch's training steps, from which its mean loss and accuracy follow. */
final class EpochTotals {

    private int steps;
    private long examples;
    private double lossSum;
    private long correct;

    void add(StepRecord s) {
        steps++;
        examples += s.examples();
        lossSum += s.loss() * s.examples();
        correct += s.correct();
    }

    int steps() {
        return steps;
    }

    long examples() {
        return examples;
    }

    /** Mean loss per example. */
    double loss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    /** Fraction of examples predicted correctly. */
    double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }
}
