package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.BnMode;
import io.syncbn.convert.LayerConversion;
import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.data.DataSources;
import io.syncbn.driver.run.EpochRecord;
import io.syncbn.driver.run.MetricsLog;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.run.StepRecord;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The whole product on a tiny job: {@code syncbn train} on Spark {@code local[2]} (synthetic images,
 * 256 training and 64 test examples, 2 workers x 4, 2 epochs, a checkpoint every 10 steps), then every
 * file of the run directory, a second run refused at the same {@code --out}, {@code eval} of the model
 * (the same accuracy as the run reported), {@code export} to plain DL4J (same outputs), and {@code
 * verify-fixtures}.
 */
@Tag("integration")
class TrainEvalExportTest {

    private static final String DATA = "synthetic?train=256&test=64";
    private static final int STEPS_PER_EPOCH = 256 / (2 * 4);
    private static final int EPOCHS = 2;
    /** Test accuracy the run must reach: 2.5 times chance (measured: 0.359 after 2 epochs). */
    private static final double LEARNED = 0.25;
    /** Largest difference allowed between the syncbn model's outputs and the exported model's. */
    private static final double EXPORT_TOLERANCE = 1e-6;
    /** The chart's two panels side by side. */
    private static final int CHART_WIDTH = 1280;
    private static final int CHART_HEIGHT = 420;

    @TempDir
    static Path tmp;
    static RunDirectory run;
    static Cli train;

    @BeforeAll
    static void train() {
        run = new RunDirectory(tmp.resolve("run"));
        train = Cli.run("train", "--data", DATA, "--workers", "2", "--per-worker-batch", "4", "--epochs", "2",
                "--checkpoint-every", "10", "--seed", "3", "--out", run.toString());
    }

    @Test
    void trainsAndPrintsEveryEpochAndTheTestAccuracy() {
        assertAll(
                () -> assertEquals(0, train.status(), train::toString),
                () -> assertTrue(train.out().contains("epoch 1/2: train loss "), train::toString),
                () -> assertTrue(train.out().contains("epoch 2/2: train loss "), train::toString),
                () -> assertTrue(train.out().contains("test accuracy "), train::toString),
                () -> assertTrue(train.err().contains("epoch 2/2  step 32/32  loss "), "progress lines: " + train));
    }

    @Test
    void writesTheResolvedConfiguration() {
        TrainConfig expected = new TrainConfig(2, 4, EPOCHS, 1e-3, BnMode.SYNC, "fmnist-cnn", DATA, "", 3,
                DataType.FLOAT, run.toString(), 10, 0, 0, 0, 120, 3, io.syncbn.driver.config.BnRenorm.NONE,
                io.syncbn.driver.config.Optimization.DEFAULT);
        assertEquals(expected, run.storedConfig());
    }

    @Test
    void writesOneMetricsRecordPerStepAndPerEpoch() throws IOException {
        MetricsLog.Contents metrics = MetricsLog.read(run.file(RunDirectory.METRICS));
        List<StepRecord> steps = metrics.steps();
        assertAll(
                () -> assertEquals(EPOCHS * STEPS_PER_EPOCH, steps.size(), "step records"),
                () -> assertEquals(EPOCHS, metrics.epochs().size(), "epoch records"),
                () -> assertEquals(IntStream.range(0, steps.size()).asLongStream().boxed().toList(),
                        steps.stream().map(StepRecord::iteration).toList(), "iterations in order, none twice"),
                () -> assertEquals(256L * EPOCHS, steps.stream().mapToLong(StepRecord::examples).sum(),
                        "every training example once per epoch"),
                () -> assertTrue(metrics.epochs().stream().allMatch(e -> e.testExamples() == 64),
                        "test metrics on the 64 held-out examples: " + metrics.epochs()),
                () -> assertTrue(metrics.epochs().get(EPOCHS - 1).testAccuracy() >= LEARNED,
                        "it learns beyond chance (0.1 for 10 classes): " + metrics.epochs()),
                () -> assertTrue(metrics.epochs().get(EPOCHS - 1).testLoss() < metrics.epochs().get(0).testLoss(),
                        "the test loss falls: " + metrics.epochs()));
    }

    @Test
    void writesTheSummaryLastWithTheFinalTestAccuracy() throws IOException {
        JsonNode summary = new ObjectMapper().readTree(run.file(RunDirectory.SUMMARY).toFile());
        EpochRecord last = MetricsLog.read(run.file(RunDirectory.METRICS)).epochs().get(EPOCHS - 1);
        assertAll(
                () -> assertEquals("finished", summary.get("status").asText()),
                () -> assertEquals(last.testAccuracy(), summary.get("test_accuracy").asDouble(), "test accuracy"),
                () -> assertEquals(last.testLoss(), summary.get("test_loss").asDouble(), "test loss"),
                () -> assertEquals(EPOCHS * STEPS_PER_EPOCH, summary.get("steps").asInt(), "steps"),
                () -> assertEquals(8, summary.get("global_batch").asInt(), "global batch"),
                () -> assertEquals("local[2]", summary.get("spark_master").asText(), "master"),
                () -> assertEquals(DATA, summary.get("data").get("spec").asText(), "data"),
                () -> assertEquals(EPOCHS, summary.get("epochs").size(), "epoch records"),
                () -> assertTrue(train.out().contains(String.format(Locale.ROOT, "test accuracy %.4f",
                        last.testAccuracy())), "printed: " + train.out()));
    }

    @Test
    void writesTheModelWithItsUpdaterStateAndNoCheckpoint() throws IOException {
        MultiLayerNetwork model = ModelSerializer.restoreMultiLayerNetwork(run.file(RunDirectory.MODEL).toFile(), true);
        try (Stream<Path> files = Files.list(run.path())) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertAll(
                    () -> assertEquals(EPOCHS * STEPS_PER_EPOCH, model.getIterationCount(), "iterations"),
                    () -> assertEquals(EPOCHS, model.getEpochCount(), "epochs"),
                    () -> assertNotNull(model.getUpdater().getStateViewArray(), "Adam state"),
                    () -> assertEquals(List.of("chart.png", "config.properties", "metrics.jsonl", "model.zip",
                            "summary.json"), names, "exactly the run's files: no checkpoint, no temporary file"));
        }
    }

    @Test
    void drawsTheChart() throws IOException {
        BufferedImage chart = ImageIO.read(run.file(RunDirectory.CHART).toFile());
        assertAll(
                () -> assertNotNull(chart, "a PNG"),
                () -> assertEquals(CHART_WIDTH, chart.getWidth(), "width"),
                () -> assertEquals(CHART_HEIGHT, chart.getHeight(), "height"));
    }

    @Test
    void refusesASecondRunIntoTheFinishedDirectory() throws IOException {
        String summary = Files.readString(run.file(RunDirectory.SUMMARY));
        Cli again = Cli.run("train", "--data", DATA, "--workers", "2", "--out", run.toString());
        assertAll(
                () -> assertEquals(Main.USAGE, again.status(), again::toString),
                () -> assertTrue(again.err().contains("holds a finished run (summary.json)"), again::toString),
                () -> assertEquals(summary, Files.readString(run.file(RunDirectory.SUMMARY)), "summary unchanged"));
    }

    @Test
    void evalReportsTheRunsTestAccuracy() throws IOException {
        EpochRecord last = MetricsLog.read(run.file(RunDirectory.METRICS)).epochs().get(EPOCHS - 1);
        Cli fromRun = Cli.run("eval", run.file(RunDirectory.MODEL).toString());
        Cli withData = Cli.run("eval", run.file(RunDirectory.MODEL).toString(), "--data", DATA);
        String expected = String.format(Locale.ROOT, "test accuracy %.4f (%d of 64), loss %.4f on %s",
                last.testAccuracy(), Math.round(last.testAccuracy() * 64), last.testLoss(), DATA);
        assertAll(
                () -> assertEquals(0, fromRun.status(), fromRun::toString),
                () -> assertEquals(expected, fromRun.out().strip(), "data taken from the run's configuration"),
                () -> assertEquals(expected, withData.out().strip(), "data given"));
    }

    @Test
    void exportedModelLoadsWithPlainDl4jAndPredictsTheSame() throws IOException {
        Path exported = tmp.resolve("exported/model-dl4j.zip");
        Cli export = Cli.run("export", run.file(RunDirectory.MODEL).toString(), exported.toString());
        MultiLayerNetwork original = MultiLayerNetwork.load(run.file(RunDirectory.MODEL).toFile(), false);
        MultiLayerNetwork plain = MultiLayerNetwork.load(exported.toFile(), false);
        DataSet test = DataSources.open(DATA).test();
        INDArray expected = original.output(test.getFeatures(), false);
        INDArray actual = plain.output(test.getFeatures(), false);
        double worst = expected.sub(actual).amaxNumber().doubleValue();
        Cli again = Cli.run("export", run.file(RunDirectory.MODEL).toString(), exported.toString());
        assertAll(
                () -> assertEquals(0, export.status(), export::toString),
                () -> assertTrue(export.out().contains("9 layer(s) now DL4J's own "
                        + "(BatchNormalization, ConvolutionLayer, ReLU)"), export::toString),
                () -> assertEquals(3, plain.getLayerWiseConfigurations().getConfs().stream()
                        .filter(c -> c.getLayer() instanceof BatchNormalization).count(), "DL4J BN layers"),
                () -> assertFalse(plain.getLayerWiseConfigurations().getConfs().stream()
                        .anyMatch(c -> LayerConversion.isProjectLayer(c.getLayer())), "no syncbn layer left"),
                () -> assertTrue(worst <= EXPORT_TOLERANCE, "max |output difference| " + worst + " > "
                        + EXPORT_TOLERANCE),
                () -> assertEquals(Main.USAGE, again.status(), "an existing OUT is refused: " + again),
                () -> assertEquals("syncbn export: OUT " + exported + " exists; give a new file name, or delete it "
                        + "first", again.err().strip()));
    }

    /** {@code --fold-bn} on the trained fmnist-cnn: its three BN layers fold, outputs unchanged (float32). */
    @Test
    void foldedExportHasNoBatchNormAndPredictsTheSame() throws IOException {
        Path folded = tmp.resolve("exported/model-folded.zip");
        Cli export = Cli.run("export", run.file(RunDirectory.MODEL).toString(), folded.toString(), "--fold-bn");
        MultiLayerNetwork original = MultiLayerNetwork.load(run.file(RunDirectory.MODEL).toFile(), false);
        MultiLayerNetwork plain = MultiLayerNetwork.load(folded.toFile(), false);
        DataSet test = DataSources.open(DATA).test();
        INDArray expected = original.output(test.getFeatures(), false);
        INDArray actual = plain.output(test.getFeatures(), false);
        double error = expected.sub(actual).amaxNumber().doubleValue() / (1 + expected.amaxNumber().doubleValue());
        assertAll(
                () -> assertEquals(0, export.status(), export::toString),
                () -> assertTrue(export.out().contains("with 3 batch-normalization layer(s) folded into the layer "
                        + "before them; plain DL4J loads it, for inference"), export::toString),
                () -> assertTrue(export.out().contains("  folded layer 1 (\"bn1\") into layer 0 (\"conv1\")"),
                        export::toString),
                () -> assertEquals(0, plain.getLayerWiseConfigurations().getConfs().stream()
                        .filter(c -> c.getLayer() instanceof BatchNormalization).count(), "no BN layer left"),
                () -> assertEquals(original.getnLayers() - 3, plain.getnLayers(), "three layers fewer"),
                () -> assertTrue(error <= 1e-5, "normalized output error " + error + " > 1e-5 (float32)"));
    }

    /** {@code precise-bn} takes the data and the global batch from the run, and rewrites the running statistics. */
    @Test
    void preciseBnWritesAModelWithRecomputedRunningStatistics() throws IOException {
        Path precise = tmp.resolve("precise/model.zip");
        Cli cli = Cli.run("precise-bn", run.file(RunDirectory.MODEL).toString(), precise.toString(), "--batches", "4");
        MultiLayerNetwork original = MultiLayerNetwork.load(run.file(RunDirectory.MODEL).toFile(), false);
        MultiLayerNetwork recomputed = MultiLayerNetwork.load(precise.toFile(), false);
        Cli tooMany = Cli.run("precise-bn", run.file(RunDirectory.MODEL).toString(), tmp.resolve("p2.zip").toString(),
                "--batches", "100000");
        assertAll(
                () -> assertEquals(0, cli.status(), cli::toString),
                () -> assertTrue(cli.out().startsWith("PreciseBN over 4 batches of 8 training examples (2 workers): "
                        + "test accuracy "), cli::toString),
                () -> assertFalse(java.util.Arrays.equals(original.getLayer(1).getParam("mean").toDoubleVector(),
                        recomputed.getLayer(1).getParam("mean").toDoubleVector()), "running mean recomputed"),
                () -> assertArrayEquals(original.getLayer(0).params().reshape(-1).toDoubleVector(),
                        recomputed.getLayer(0).params().reshape(-1).toDoubleVector(), "weights unchanged"),
                () -> assertEquals(Main.USAGE, tooMany.status(), tooMany::toString),
                () -> assertTrue(tooMany.err().contains("PreciseBN over 100000 batches of 8 needs 800000 examples"),
                        tooMany::toString));
    }

    @Test
    void verifiesTheLayerFixtures() {
        Cli cli = Cli.run("verify-fixtures", Path.of("..", "sync-bn", "src", "test", "resources", "fixtures",
                "syncbn").toString());
        assertAll(
                () -> assertEquals(0, cli.status(), cli::toString),
                () -> assertTrue(cli.out().contains("4 passed, 0 failed"), cli::toString));
    }
}
