package io.syncbn.driver.progress;

import io.syncbn.api.StepMetrics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress as a terminal progress bar (me.tongfei progressbar): {@code epoch 1/3 42% [====>   ]
 * 790/1875 (0:02:10 / 0:03:00) loss 0.612 acc 0.78 96 ex/s}, redrawn in place, one bar per epoch.
 */
final class BarProgress implements TrainingProgress {

    private final PrintStream out;
    private ProgressBar bar;
    private EpochPace pace;

    BarProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void startEpoch(int epoch, int epochs, int steps, int done) {
        closeBar();
        pace = new EpochPace(epoch, epochs, steps, done, System.nanoTime());
        bar = new ProgressBarBuilder()
                .setTaskName("epoch " + epoch + "/" + epochs)
                .setInitialMax(steps)
                .startsFrom(done, Duration.ZERO)
                .setStyle(ProgressBarStyle.UNICODE_BLOCK)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .build();
        bar.setExtraMessage("starting the stage");
    }

    @Override
    public synchronized void step(StepMetrics metrics) {
        if (bar == null) {
            return;
        }
        pace.step(metrics, System.nanoTime());
        bar.stepTo(pace.done());
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.3f %.0f ex/s", pace.loss(), pace.accuracy(),
                pace.examplesPerSecond()));
    }

    @Override
    public synchronized void endEpoch() {
        closeBar();
    }

    @Override
    public synchronized void close() {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
