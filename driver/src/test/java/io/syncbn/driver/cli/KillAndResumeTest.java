package io.syncbn.driver.cli;

import io.syncbn.driver.ExactBits;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.run.Checkpoint;
import io.syncbn.driver.run.Checkpoints;
import io.syncbn.driver.run.MetricsLog;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.run.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run killed mid-epoch ({@code SIGKILL} of a child JVM running {@code syncbn train}, as soon as its
 * first checkpoint appears) and resumed with {@code --resume} ends with the parameters, updater state,
 * counters and per-step metrics of the same run left uninterrupted. Job: synthetic images, 128
 * training examples, 2 workers x 4 (16 steps per epoch), 2 epochs, a checkpoint every 6 steps.
 */
@Tag("integration")
class KillAndResumeTest {

    private static final String[] JOB = {"--data", "synthetic?train=128&test=32", "--workers", "2",
        "--per-worker-batch", "4", "--epochs", "2", "--checkpoint-every", "6", "--seed", "7"};
    private static final Duration CHILD_DEADLINE = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    @Test
    void aKilledRunResumesToTheParametersOfAnUninterruptedOne() throws Exception {
        RunDirectory whole = new RunDirectory(tmp.resolve("whole"));
        RunDirectory killed = new RunDirectory(tmp.resolve("killed"));

        Cli uninterrupted = Cli.run(train(whole));
        assertEquals(0, uninterrupted.status(), uninterrupted::toString);

        Checkpoint atKill = killAtFirstCheckpoint(killed);
        assertAll("after the kill",
                () -> assertTrue(atKill.epoch() == 0 && atKill.step() > 0 && atKill.step() < 16,
                        "killed mid-epoch 1, at " + atKill),
                () -> assertFalse(Files.exists(killed.file(RunDirectory.SUMMARY)), "no summary"),
                () -> assertFalse(Files.exists(killed.file(RunDirectory.MODEL)), "no final model"));

        Cli restart = Cli.run(train(killed));
        assertAll("a new run into the killed run's directory",
                () -> assertEquals(Main.USAGE, restart.status(), restart::toString),
                () -> assertTrue(restart.err().contains("holds an unfinished run; continue it with --out " + killed
                        + " --resume"), restart::toString));

        List<String> resumeArgs = new ArrayList<>(List.of(train(killed)));
        resumeArgs.add("--resume");
        Cli resumed = Cli.run(resumeArgs.toArray(String[]::new));
        assertEquals(0, resumed.status(), resumed::toString);

        MultiLayerNetwork a = ModelSerializer.restoreMultiLayerNetwork(whole.file(RunDirectory.MODEL).toFile(), true);
        MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(killed.file(RunDirectory.MODEL).toFile(), true);
        assertAll("resumed against uninterrupted",
                () -> assertTrue(resumed.out().contains("resuming " + killed + " at epoch 1/2, step " + atKill.step()),
                        resumed::toString),
                () -> assertExactlyEqual(a.params(), b.params(), "parameters incl. running statistics"),
                () -> assertExactlyEqual(a.getUpdater().getStateViewArray(), b.getUpdater().getStateViewArray(),
                        "Adam state"),
                () -> assertEquals(a.getIterationCount(), b.getIterationCount(), "iterations"),
                () -> assertEquals(a.getEpochCount(), b.getEpochCount(), "epochs"),
                () -> assertEquals(stepsWithoutTimes(whole), stepsWithoutTimes(killed),
                        "metrics.jsonl: the same steps, each once"),
                () -> assertEquals(MetricsLog.read(whole.file(RunDirectory.METRICS)).epochs().stream()
                        .map(e -> e.testAccuracy() + " " + e.testLoss()).toList(),
                        MetricsLog.read(killed.file(RunDirectory.METRICS)).epochs().stream()
                                .map(e -> e.testAccuracy() + " " + e.testLoss()).toList(), "test metrics per epoch"));
    }

    private static String[] train(RunDirectory dir) {
        return Stream.concat(Stream.of("train", "--out", dir.toString()), Stream.of(JOB)).toArray(String[]::new);
    }

    /** Runs the job in a child JVM, kills it as soon as a checkpoint exists, returns the checkpoint's state. */
    private Checkpoint killAtFirstCheckpoint(RunDirectory dir) throws IOException, InterruptedException {
        Path log = tmp.resolve("child.log");
        Process child = ChildJvm.start(List.of(train(dir)), log);
        long deadline = System.nanoTime() + CHILD_DEADLINE.toNanos();
        Path checkpoint = dir.file(RunDirectory.CHECKPOINT);
        try {
            while (!Files.exists(checkpoint)) {
                if (!child.isAlive()) {
                    throw new AssertionError("the child run ended (exit " + child.exitValue() + ") before its first "
                            + "checkpoint:\n" + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no checkpoint after " + CHILD_DEADLINE + ":\n" + Files.readString(log));
                }
                Thread.sleep(20);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(1, TimeUnit.MINUTES);
        }
        assertNotEquals(0, child.exitValue(), "the child was killed, not finished");
        return Checkpoints.read(checkpoint).state();
    }

    private static List<String> stepsWithoutTimes(RunDirectory dir) throws IOException {
        return MetricsLog.read(dir.file(RunDirectory.METRICS)).steps().stream()
                .map(s -> new StepRecord(s.epoch(), s.step(), s.steps(), s.iteration(), s.examples(), s.loss(),
                        s.correct(), 0).toString())
                .toList();
    }

    /** Bit for bit: the README promises exactly the parameters of an uninterrupted run. */
    private static void assertExactlyEqual(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(ExactBits.of(expected), ExactBits.of(actual), what + " must be bit-identical");
    }
}
