package io.syncbn.driver.progress;

import io.syncbn.api.StepMetrics;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Shows training progress while an epoch's Spark stages run. Call order per epoch: {@link
 * #startEpoch}, then {@link #step} once per global step (from the thread that receives live
 * progress, while the driver's main thread waits for the stage), then {@link #endEpoch}; {@link
 * #close} at the end of the run.
 */
public interface TrainingProgress extends AutoCloseable {

    /**
     * An epoch begins, or resumes with {@code done} of its {@code steps} already trained.
     *
     * @param epoch 1-based
     * @param epochs epochs in the run
     */
    void startEpoch(int epoch, int epochs, int steps, int done);

    /** A global step finished; may be called from any thread. */
    void step(StepMetrics metrics);

    /** The epoch's training is over (evaluation follows). */
    void endEpoch();

    @Override
    void close();

    /**
     * A progress bar when this process writes to a terminal ({@code System.console() != null}), plain
     * lines at most every {@code interval} otherwise (logs, CI, pipes).
     */
    static TrainingProgress forConsole(PrintStream out, Duration interval) {
        return System.console() != null ? new BarProgress(out) : new LineProgress(out, interval, System::nanoTime);
    }
}
