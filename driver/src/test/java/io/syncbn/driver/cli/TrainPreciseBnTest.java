package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.run.RunDirectory;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code train --precise-bn M} (here with ghost BN, {@code --bn-virtual-batch 2}): after training, the running statistics are recomputed over M global
 * batches; the summary records the test accuracy with the moving averages and with the recomputed
 * statistics, the model written is the recomputed one ({@code eval} on it gives the "after" accuracy),
 * and an M the training set cannot supply is refused before anything is written.
 */
@Tag("integration")
class TrainPreciseBnTest {

    @TempDir
    Path tmp;

    @Test
    void theSummaryGivesTheAccuracyBeforeAndAfterAndTheModelIsTheRecomputedOne() throws Exception {
        Path out = tmp.resolve("run");
        Cli train = Cli.run("train", "--out", out.toString(), "--data", "synthetic?train=128&test=64", "--workers", "2",
                "--per-worker-batch", "4", "--epochs", "1", "--seed", "3", "--precise-bn", "10", "--bn-virtual-batch", "2");
        assertEquals(0, train.status(), train::toString);
        JsonNode summary = new ObjectMapper().readTree(Files.readString(out.resolve(RunDirectory.SUMMARY)));
        JsonNode p = summary.get("precise_bn");
        Cli eval = Cli.run("eval", out.resolve(RunDirectory.MODEL).toString());
        double after = p.get("test_accuracy_after").asDouble();
        MultiLayerNetwork model = MultiLayerNetwork.load(out.resolve(RunDirectory.MODEL).toFile(), false);
        assertAll(
                () -> assertEquals(2, ((SyncBatchNormalization) model.getLayerWiseConfigurations().getConf(1).getLayer())
                        .getVirtualBatchSize(), "ghost BN with virtual batches of 2 (--bn-virtual-batch)"),
                () -> assertTrue(Files.readString(out.resolve(RunDirectory.CONFIG)).contains("bn-virtual-batch=2"),
                        "recorded in the run's configuration"),
                () -> assertEquals(10, p.get("batches").asInt()),
                () -> assertEquals(after, summary.get("test_accuracy").asDouble(), 0.0, "the model written"),
                () -> assertTrue(train.out().contains(String.format(Locale.ROOT, "PreciseBN over 10 global batches of "
                        + "8: test accuracy %.4f with the moving averages, %.4f with the recomputed statistics",
                        p.get("test_accuracy_before").asDouble(), after)), train::toString),
                () -> assertTrue(eval.out().startsWith(String.format(Locale.ROOT, "test accuracy %.4f", after)),
                        eval::toString));
    }

    @Test
    void moreBatchesThanTheTrainingSetHoldsAreRefusedBeforeAnythingIsWritten() {
        Path out = tmp.resolve("refused");
        Cli train = Cli.run("train", "--out", out.toString(), "--data", "synthetic?train=64&test=16", "--workers", "2",
                "--per-worker-batch", "4", "--precise-bn", "9");
        assertAll(
                () -> assertEquals(Main.USAGE, train.status(), train::toString),
                () -> assertEquals("syncbn train: precise-bn 9 global batches of 8 need 72 training examples, but "
                        + "synthetic?train=64&test=16 holds 64; use at most 8", train.err().strip()),
                () -> assertFalse(Files.exists(out), "nothing written"));
    }
}
