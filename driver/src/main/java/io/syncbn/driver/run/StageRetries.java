package io.syncbn.driver.run;

import io.syncbn.api.StepMetrics;
import io.syncbn.driver.progress.TrainingProgress;
import io.syncbn.driver.spark.StageRetry;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Tells the user about barrier stages that failed and run again: one line when a stage fails, one
 * when its retry trains its first step (with the time since the failure), and the progress display
 * rewound to the stage's first step. Live steps pass through here to the display.
 */
final class StageRetries {

    private final PrintStream out;
    private final TrainingProgress progress;
    private int epoch;
    private int epochs;
    private int steps;
    private long failedAt;
    private boolean waiting;

    StageRetries(PrintStream out, TrainingProgress progress) {
        this.out = out;
        this.progress = progress;
    }

    /** The epoch whose stages follow (1-based) and its number of steps. */
    synchronized void startEpoch(int epoch, int epochs, int steps) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
    }

    /** A stage failed and will run again. */
    synchronized void failed(StageRetry retry) {
        failedAt = System.nanoTime();
        waiting = true;
        out.printf(Locale.ROOT, "stage of steps %d-%d of epoch %d/%d failed (attempt %d of %d): %s%n  running it again "
                + "from its snapshot once the cluster has %s%n", retry.fromStep() + 1, retry.toStep(), epoch, epochs,
                retry.failedAttempt(), retry.maxAttempts(), retry.reason(), "the task slots back");
        out.flush();
        progress.startEpoch(epoch, epochs, steps, retry.fromStep());
    }

    /** A live step of the running stage. */
    void step(StepMetrics metrics) {
        synchronized (this) {
            if (waiting) {
                waiting = false;
                out.printf(Locale.ROOT, "training resumed %.1f s after the stage failed%n",
                        (System.nanoTime() - failedAt) / 1e9);
                out.flush();
            }
        }
        progress.step(metrics);
    }
}
