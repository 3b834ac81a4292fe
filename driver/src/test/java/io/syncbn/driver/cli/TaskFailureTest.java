package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose Spark stage fails — here a worker whose last local-BN step holds a single example of a
 * dense BN layer, which the layer refuses inside the task — ends like any failed run: Spark's
 * (checked) {@code SparkException} is caught, the message says what failed and how to continue with
 * {@code --resume}, the exit status is 1, and no stack trace of Spark's job machinery is printed.
 */
@Tag("integration")
class TaskFailureTest {

    @TempDir
    Path tmp;

    @Test
    void aFailedStageEndsWithTheResumeAdviceNotAStackTrace() {
        Path out = tmp.resolve("run");
        // 66 examples over 2 workers: 33 each, steps of 4, so each worker's 9th step holds 1 example.
        Cli cli = Cli.run("train", "--out", out.toString(), "--model", "mlp", "--bn", "local", "--workers", "2",
                "--per-worker-batch", "4", "--data", "synthetic?train=66&test=16", "--checkpoint-every", "4");
        assertAll(
                () -> assertEquals(Main.FAILURE, cli.status(), cli::toString),
                () -> assertTrue(cli.err().startsWith("syncbn train: training failed: "), cli::toString),
                () -> assertTrue(cli.err().contains("batch statistics need at least 2 values per channel"),
                        cli::toString),
                () -> assertTrue(cli.err().contains("the run directory " + out + " is unfinished; its last checkpoint "
                        + "is at epoch 1, step 8; continue with: syncbn train --out " + out + " --resume"),
                        cli::toString),
                () -> assertFalse(cli.err().contains("org.apache.spark.scheduler.DAGScheduler"), cli::toString),
                () -> assertTrue(Files.exists(out.resolve(RunDirectory.CHECKPOINT)), "the checkpoint is kept"),
                () -> assertFalse(Files.exists(out.resolve(RunDirectory.SUMMARY)), "no summary"));
    }
}
