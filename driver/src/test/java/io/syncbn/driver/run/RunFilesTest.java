package io.syncbn.driver.run;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.StepMetrics;
import io.syncbn.driver.evaluation.EpochDiagnostics;
import io.syncbn.driver.models.ModelSpec;
import io.syncbn.driver.models.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The run's files on their own: atomic replacement, the metrics log cut back to a checkpoint's
 * length, checkpoints that restore the network exactly.
 */
class RunFilesTest {

    @Test
    void atomicWritesLeaveTheOldFileWhenWritingFails(@TempDir Path tmp) throws IOException {
        Path target = Files.writeString(tmp.resolve("summary.json"), "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, file -> {
            Files.writeString(file, "half");
            throw new IOException("disk full");
        }));
        AtomicFiles.writeString(target, "new");
        try (Stream<Path> files = Files.list(tmp)) {
            assertAll(
                    () -> assertEquals("disk full", e.getMessage()),
                    () -> assertEquals("new", Files.readString(target), "replaced by the successful write"),
                    () -> assertEquals(List.of(target), files.toList(), "no temporary file left"));
        }
    }

    /**
     * Diagnostics in {@code metrics.jsonl} under their documented keys: NaN is written as {@code null}
     * (JSON has no NaN) and read back as NaN; records without diagnostics have none of the keys.
     */
    @Test
    void diagnosticsRoundTripUnderTheirDocumentedKeys(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve(RunDirectory.METRICS);
        StepMetrics diagnosed = new StepMetrics(4, 32, 1.5, 20, 9.5, new double[] {0.25, Double.NaN},
                new double[] {0.5, Double.NaN});
        EpochDiagnostics d = new EpochDiagnostics(List.of("bn1", "bn2"), new double[] {0.01, 0.02},
                new double[] {0.03, 0.04}, Double.NaN, Double.NaN, 1);
        try (MetricsLog log = MetricsLog.open(file, 0)) {
            log.append(StepRecord.of(1, 5, 10, diagnosed));
            log.append(StepRecord.of(1, 6, 10, new StepMetrics(5, 32, 1.4, 21, 9.0)));
            log.append(new EpochRecord(1, 10, 320, 1.4, 0.6, 1.3, 0.65, 100, 12.0, d));
        }
        List<String> lines = Files.readAllLines(file);
        MetricsLog.Contents back = MetricsLog.read(file);
        EpochDiagnostics read = back.epochs().get(0).diagnostics();
        assertAll(
                () -> assertTrue(lines.get(0).contains("\"bn_div_mean\":[0.25,null],\"bn_div_logvar\":[0.5,null]"),
                        lines.get(0)),
                () -> assertFalse(lines.get(1).contains("bn_div"), lines.get(1)),
                () -> assertTrue(lines.get(2).contains("\"bn_layers\":[\"bn1\",\"bn2\"],\"running_gap_mean\":[0.01,0.02],"
                        + "\"running_gap_logvar\":[0.03,0.04],\"test_accuracy_batch_stats\":null,"
                        + "\"test_loss_batch_stats\":null,\"batch_stats_block\":1"), lines.get(2)),
                () -> assertArrayEquals(new double[] {0.25, Double.NaN}, back.steps().get(0).divergenceMean()),
                () -> assertArrayEquals(new double[] {0.5, Double.NaN}, back.steps().get(0).divergenceLogVar()),
                () -> assertFalse(back.steps().get(1).hasDiagnostics()),
                () -> assertEquals(List.of("bn1", "bn2"), read.layers()),
                () -> assertArrayEquals(new double[] {0.01, 0.02}, read.runningGapMean()),
                () -> assertArrayEquals(new double[] {0.03, 0.04}, read.runningGapLogVar()),
                () -> assertTrue(Double.isNaN(read.testAccuracyBatch()), "NaN accuracy read back as NaN"),
                () -> assertEquals(1, read.batch()));
    }

    @Test
    void metricsAreCutBackToTheCheckpointedLength(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve(RunDirectory.METRICS);
        long checkpointed;
        try (MetricsLog log = MetricsLog.open(file, 0)) {
            log.append(StepRecord.of(1, 1, 3, new StepMetrics(0, 8, 2.5, 3, 10)));
            log.append(StepRecord.of(1, 2, 3, new StepMetrics(1, 8, 2.0, 4, 11)));
            checkpointed = log.size();
            log.append(StepRecord.of(1, 3, 3, new StepMetrics(2, 4, 1.5, 2, 12)));
        }
        try (MetricsLog log = MetricsLog.open(file, checkpointed)) {
            log.append(StepRecord.of(1, 3, 3, new StepMetrics(2, 4, 1.25, 3, 9)));
            log.append(new EpochRecord(1, 3, 20, 2.0, 0.5, 1.9, 0.4, 100, 3.0));
        }
        MetricsLog.Contents contents = MetricsLog.read(file);
        assertAll(
                () -> assertEquals(3, contents.steps().size(), "one record per step"),
                () -> assertEquals(1.25, contents.steps().get(2).loss(), "the step trained again replaces the cut one"),
                () -> assertEquals(0.75, contents.steps().get(2).accuracy(), "3 of 4"),
                () -> assertEquals(List.of(new EpochRecord(1, 3, 20, 2.0, 0.5, 1.9, 0.4, 100, 3.0)), contents.epochs()),
                () -> assertEquals(file + " holds " + Files.size(file) + " bytes, but the checkpoint was written when "
                        + "it held 1000000; it was changed since, so the run cannot continue consistently",
                        assertThrows(IOException.class, () -> MetricsLog.open(file, 1_000_000)).getMessage()));
    }

    @Test
    void checkpointsRestoreParametersUpdaterAndState(@TempDir Path tmp) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list("mlp", ModelSpec.of(List.of(6), 3)
                .withDataType(DataType.DOUBLE)));
        net.init();
        Nd4j.getRandom().setSeed(1);
        DataSet batch = new DataSet(Nd4j.rand(DataType.DOUBLE, 8, 6), Nd4j.eye(3).repeat(0, 3).getRows(0, 1, 2, 3, 4,
                5, 6, 7));
        net.fit(batch);
        net.fit(batch);
        Checkpoint state = new Checkpoint(1, 7, 1234, 5.5, 60.25);
        Path file = tmp.resolve(RunDirectory.CHECKPOINT);
        Checkpoints.write(file, net, state);
        Checkpoints.Restored restored = Checkpoints.read(file);
        assertAll(
                () -> assertEquals(state, restored.state(), "run state"),
                () -> assertEquals(net.params(), restored.network().params(), "parameters, bit for bit"),
                () -> assertEquals(net.getUpdater().getStateViewArray(),
                        restored.network().getUpdater().getStateViewArray(), "Adam state, bit for bit"),
                () -> assertEquals(net.getIterationCount(), restored.network().getIterationCount(), "iterations"),
                () -> assertTrue(ModelFiles.load(file, false) instanceof MultiLayerNetwork,
                        "a checkpoint is also a DL4J model zip"));
    }

    @Test
    void aModelZipIsNotACheckpoint(@TempDir Path tmp) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list("mlp", ModelSpec.of(List.of(4), 2)));
        net.init();
        Path file = tmp.resolve("model.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(net, file.toFile(), false);
        IOException e = assertThrows(IOException.class, () -> Checkpoints.read(file));
        assertEquals("cannot read the checkpoint " + file + ": it is not a syncbn checkpoint: it has no "
                + "syncbn-checkpoint.json entry", e.getMessage());
    }
}
