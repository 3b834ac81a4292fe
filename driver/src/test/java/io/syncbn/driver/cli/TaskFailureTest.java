package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.run.RunDirectory;
import io.syncbn.worker.rendezvous.BarrierRendezvous;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose Spark stage fails ends like any failed run: Spark's (checked) {@code SparkException} is
 * caught, the message says what failed and how to continue with {@code --resume}, the exit status is
 * 1, and no stack trace of Spark's job machinery is printed. The failure here is real and a user can
 * meet it: the collective port range ({@value BarrierRendezvous#PORTS_SETTING}) holds one port, which
 * another program holds, so no task can listen for its peers. A plan that would fail inside the tasks
 * only at its last step (local BN, a dense layer, a worker's last step of one example) is refused
 * before anything is written.
 */
@Tag("integration")
class TaskFailureTest {

    @TempDir
    Path tmp;

    @Test
    void aFailedStageEndsWithTheResumeAdviceNotAStackTrace() throws Exception {
        Path out = tmp.resolve("run");
        Cli cli;
        int port;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            System.setProperty(BarrierRendezvous.PORTS_SETTING, Integer.toString(port));
            System.setProperty("spark.driver.host", "127.0.0.1");
            try {
                cli = Cli.run("train", "--out", out.toString(), "--model", "mlp", "--workers", "2",
                        "--per-worker-batch", "4", "--data", "synthetic?train=64&test=16", "--checkpoint-every", "4");
            } finally {
                System.clearProperty(BarrierRendezvous.PORTS_SETTING);
                System.clearProperty("spark.driver.host");
            }
        }
        Cli failed = cli;
        assertAll(
                () -> assertEquals(Main.FAILURE, failed.status(), failed::toString),
                () -> assertTrue(failed.err().startsWith("syncbn train: training failed: "), failed::toString),
                () -> assertTrue(failed.err().contains("every port of the collective port range " + port + "-" + port
                        + " on 127.0.0.1 is in use (1 ports)"), failed::toString),
                () -> assertTrue(failed.err().contains("the run directory " + out + " is unfinished; no checkpoint was "
                        + "written yet, so --resume starts it again from the beginning; continue with: syncbn train "
                        + "--out " + out + " --resume"), failed::toString),
                () -> assertFalse(failed.err().contains("org.apache.spark.scheduler.DAGScheduler"), failed::toString),
                () -> assertFalse(Files.exists(out.resolve(RunDirectory.SUMMARY)), "no summary"));
    }

    @Test
    void aPlanThatALayerWouldRefuseMidEpochIsRefusedBeforeAnythingIsWritten() {
        Path out = tmp.resolve("small");
        // 66 examples over 2 workers: 33 each, steps of 4, so each worker's 9th step holds 1 example.
        Cli cli = Cli.run("train", "--out", out.toString(), "--model", "mlp", "--bn", "local", "--workers", "2",
                "--per-worker-batch", "4", "--data", "synthetic?train=66&test=16", "--checkpoint-every", "4");
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertTrue(cli.err().contains("bn local needs at least 2 examples per worker in every step that "
                        + "gives the worker any"), cli::toString),
                () -> assertTrue(cli.err().contains("step 9 of 9 (epoch 1) gives worker"), cli::toString),
                () -> assertFalse(Files.exists(out), "nothing written"));
    }
}
