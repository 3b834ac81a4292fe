package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.syncbn.driver.config.Optimization;
import io.syncbn.driver.run.RunDirectory;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * The large-batch knobs from the command line: a run with Nesterov momentum, weight decay, a warmup
 * the linear scaling rule and a cosine decay records them in its configuration and trains a model whose layers carry
 * them (2 workers x 4 = global batch 8, base batch 4: twice the given learning rate).
 */
class OptimizerRunTest {

    @TempDir
    Path tmp;

    @Test
    void theKnobsReachTheConfigurationAndTheModel() throws Exception {
        Path out = tmp.resolve("run");
        Cli cli = Cli.run("train", "--out", out.toString(), "--model", "mlp", "--workers", "2", "--per-worker-batch",
                "4", "--epochs", "1", "--data", "synthetic?train=64&test=16", "--lr", "0.01", "--optimizer", "nesterov",
                "--momentum", "0.8", "--weight-decay", "1e-4", "--warmup-steps", "3", "--lr-scaling", "linear",
                "--base-batch", "4", "--lr-schedule", "cosine");
        assertEquals(0, cli.status(), cli::toString);
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(out.resolve(RunDirectory.MODEL).toFile(), false);
        BaseLayer dense = (BaseLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
        Nesterovs updater = assertInstanceOf(Nesterovs.class, dense.getIUpdater());
        Path exported = tmp.resolve("exported.zip");
        Cli export = Cli.run("export", out.resolve(RunDirectory.MODEL).toString(), exported.toString());
        String json;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(exported.toFile())) {
            json = new String(zip.getInputStream(zip.getEntry("configuration.json")).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
        }
        assertAll(
                () -> assertEquals(0, export.status(), export::toString),
                () -> assertEquals(-1, json.indexOf("io.syncbn"), "the exported model names no syncbn class, so plain "
                        + "DL4J reads it: the schedule became its current rate"),
                () -> assertEquals(new Optimization("nesterov", 0.8, 1e-4, 3, true, 4,
                        io.syncbn.driver.config.LrSchedule.parse("cosine")),
                        new RunDirectory(out).storedConfig().optimization(), "config.properties"),
                () -> assertEquals(0.8, updater.getMomentum()),
                () -> assertEquals(0.02, updater.getLearningRate(3, 0), 1e-15, "lr x 8 / 4 after the warmup"),
                () -> assertEquals(0.0, updater.getLearningRate(8, 0), 1e-15, "cosine reaches 0 at the last of 8 steps"),
                () -> assertEquals(java.util.List.of(new WeightDecay(1e-4, true)), dense.getRegularizationByParam("W")));
    }
}
