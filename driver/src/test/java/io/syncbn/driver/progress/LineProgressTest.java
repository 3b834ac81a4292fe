package io.syncbn.driver.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syncbn.api.StepMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Plain progress lines (output that is not a terminal): at most one per interval while an epoch runs
 * and one at its end, with step of total, mean loss and accuracy, examples per second and an ETA
 * measured from the first reported step (which also carries the stage's start-up).
 */
class LineProgressTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void printsAtTheIntervalAndAtTheEndOfTheEpoch() {
        AtomicLong clock = new AtomicLong();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LineProgress progress = new LineProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(10), clock::get);
        progress.startEpoch(2, 3, 10, 4);
        clock.set(4 * SECOND);                          // stage start-up, then the first step
        progress.step(new StepMetrics(40, 8, 2.0, 2, 100));
        for (int k = 1; k <= 5; k++) {                  // one step every 2 s
            clock.addAndGet(2 * SECOND);
            progress.step(new StepMetrics(40 + k, 8, 1.0, 6, 100));
        }
        progress.endEpoch();
        progress.close();
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(List.of(
                // at 10 s: steps 5..8 reported, 32 examples in 10 s; steps 6..8 took 6 s, so 2 steps left = 4 s
                "epoch 2/3  step 8/10  loss 1.2500  acc 0.625  3.2 examples/s  ETA 4s",
                // the epoch's end: 48 examples in 14 s
                "epoch 2/3  step 10/10  loss 1.1667  acc 0.667  3.4 examples/s  ETA 0s"), lines);
    }
}
