package io.syncbn.driver.progress;

import io.syncbn.api.StepMetrics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress as plain lines, for output that is not a terminal: one line at most every {@code interval},
 * and one when an epoch's training ends, e.g. {@code epoch 1/3  step 200/1875  loss 0.6123  acc 0.781
 * 96.1 examples/s  ETA 4m10s}.
 */
final class LineProgress implements TrainingProgress {

    private final PrintStream out;
    private final long intervalNanos;
    private final LongSupplier clock;
    private EpochPace pace;
    private long lastPrint;

    LineProgress(PrintStream out, Duration interval, LongSupplier clock) {
        this.out = out;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    @Override
    public synchronized void startEpoch(int epoch, int epochs, int steps, int done) {
        long now = clock.getAsLong();
        pace = new EpochPace(epoch, epochs, steps, done, now);
        lastPrint = now;
    }

    @Override
    public synchronized void step(StepMetrics metrics) {
        if (pace == null) {
            return;
        }
        long now = clock.getAsLong();
        pace.step(metrics, now);
        if (now - lastPrint >= intervalNanos && pace.done() < pace.steps()) {
            print();
            lastPrint = now;
        }
    }

    @Override
    public synchronized void endEpoch() {
        if (pace != null) {
            print();
            pace = null;
        }
    }

    @Override
    public void close() {
        out.flush();
    }

    private void print() {
        out.println(line(pace));
        out.flush();
    }

    static String line(EpochPace p) {
        return String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  loss %.4f  acc %.3f  %.1f examples/s  ETA %s",
                p.epoch(), p.epochs(), p.done(), p.steps(), p.loss(), p.accuracy(), p.examplesPerSecond(),
                EpochPace.format(p.eta()));
    }
}
