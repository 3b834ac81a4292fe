package io.syncbn.driver.progress;

import io.syncbn.api.StepMetrics;
import io.syncbn.worker.replica.MetricTotals;
import java.time.Duration;

/**
 * The running numbers of the epoch being trained, as a progress display shows them: steps done,
 * mean loss and accuracy so far, examples per second and the estimated time left. Time is the
 * driver's clock, read when each step is reported, so Spark's per-stage overheads are included.
 */
final class EpochPace {

    private final int epoch;
    private final int epochs;
    private final int steps;
    private final long startNanos;
    private int done;
    private final MetricTotals totals = new MetricTotals();
    private long lastNanos;
    private long firstNanos;
    private int firstDone = -1;

    /**
     * @param epoch 1-based epoch
     * @param epochs epochs in the run
     * @param steps steps in the epoch
     * @param done steps already done (a resumed epoch)
     * @param nowNanos the clock now
     */
    EpochPace(int epoch, int epochs, int steps, int done, long nowNanos) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
        this.done = done;
        this.startNanos = nowNanos;
        this.lastNanos = nowNanos;
    }

    void step(StepMetrics m, long nowNanos) {
        done++;
        if (firstDone < 0) {
            // The first step's report also carries the stage's start-up; the pace is measured after it.
            firstDone = done;
            firstNanos = nowNanos;
        }
        totals.add(m);
        lastNanos = nowNanos;
    }

    int epoch() {
        return epoch;
    }

    int epochs() {
        return epochs;
    }

    int steps() {
        return steps;
    }

    int done() {
        return done;
    }

    /** Mean loss per example over the steps reported in this session. */
    double loss() {
        return totals.loss();
    }

    /** Fraction of examples predicted correctly (training mode) over the steps reported. */
    double accuracy() {
        return totals.accuracy();
    }

    /** Examples per second since the epoch (or its resumption) started. */
    double examplesPerSecond() {
        double seconds = (lastNanos - startNanos) / 1e9;
        return seconds > 0 ? totals.examples() / seconds : 0;
    }

    /** Time left at the pace since the first reported step; {@code null} until two steps are reported. */
    Duration eta() {
        int measured = done - firstDone;
        if (firstDone < 0 || measured == 0) {
            return null;
        }
        double perStep = (double) (lastNanos - firstNanos) / measured;
        return Duration.ofNanos((long) (perStep * (steps - done)));
    }

    /** {@code 4m05s}, {@code 1h02m}, {@code 12s}; {@code ?} when unknown. */
    static String format(Duration d) {
        if (d == null) {
            return "?";
        }
        long s = Math.max(0, Math.round(d.toMillis() / 1000.0));
        if (s >= 3600) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
