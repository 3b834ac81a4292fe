package io.syncbn.convert;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.testing.Networks;
import io.syncbn.testing.ShardRunner;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Conversion both ways keeps what the network computes: a trained DL4J network (with DL4J's default
 * {@code log10stdev} storage or plain variance) becomes a synchronized one with the same inference
 * and training outputs, and a trained synchronized network exports to a DL4J-only one that gives the
 * same inference outputs after a save/load with plain DL4J.
 */
class BatchNormConversionTest {

    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest(name = "useLogStd={0}")
    @ValueSource(booleans = {true, false})
    void dl4jNetworkToSyncKeepsOutputs(boolean useLogStd) {
        MultiLayerNetwork dl4j = new MultiLayerNetwork(Networks.list(Networks.Kind.NCHW,
                () -> new BatchNormalization.Builder().decay(0.8).useLogStd(useLogStd).build(), new Adam(0.05),
                DataType.FLOAT, 3));
        dl4j.init();
        train(dl4j, Networks.Kind.NCHW);
        MultiLayerNetwork sync = BatchNormConversion.toSync(dl4j);
        INDArray probe = Networks.features(Networks.Kind.NCHW, 6, DataType.FLOAT, 77);
        SyncBatchNormalization bn = assertInstanceOf(SyncBatchNormalization.class,
                sync.getLayerWiseConfigurations().getConf(1).getLayer());
        assertAll(
                () -> assertEquals(0.8, bn.getDecay()),
                () -> assertClose(dl4j.output(probe), sync.output(probe), "inference output"),
                () -> assertClose(dl4j.output(probe, true), sync.output(probe, true), "training-mode output"),
                () -> assertEquals(dl4j.getUpdater().getStateViewArray(), sync.getUpdater().getStateViewArray(),
                        "updater state carried over"));
    }

    /**
     * Conversion followed by training: by default the converted network goes on computing what the
     * DL4J network computes (DL4J's biased running variance), to rounding in float64; with the
     * unbiased convention asked for, the running variance and so the inference outputs move away.
     * 39 examples, Adam, 5 full-batch steps after the conversion.
     */
    @Test
    void convertedNetworkTrainsLikeTheDl4jNetwork() {
        MultiLayerNetwork dl4j = new MultiLayerNetwork(Networks.list(Networks.Kind.NCHW,
                () -> new BatchNormalization.Builder().decay(0.8).build(), new Adam(0.05), DataType.DOUBLE, 3));
        dl4j.init();
        MultiLayerNetwork kept = BatchNormConversion.toSync(dl4j);
        MultiLayerNetwork unbiased = BatchNormConversion.toSync(dl4j, SyncBatchNormalization.RunningVariance.UNBIASED);
        INDArray x = Networks.features(Networks.Kind.NCHW, 39, DataType.DOUBLE, 5);
        INDArray y = Networks.labels(39, DataType.DOUBLE, 5);
        for (int step = 0; step < 5; step++) {
            dl4j.fit(x, y);
            kept.fit(x, y);
            unbiased.fit(x, y);
        }
        INDArray probe = Networks.features(Networks.Kind.NCHW, 6, DataType.DOUBLE, 79);
        double keptError = ShardRunner.normalizedError(ShardRunner.flat(dl4j.output(probe)),
                ShardRunner.flat(kept.output(probe)));
        double unbiasedError = ShardRunner.normalizedError(ShardRunner.flat(dl4j.output(probe)),
                ShardRunner.flat(unbiased.output(probe)));
        SyncBatchNormalization bn = (SyncBatchNormalization) kept.getLayerWiseConfigurations().getConf(1).getLayer();
        assertAll(
                () -> assertEquals(SyncBatchNormalization.RunningVariance.BIASED, bn.getRunningVariance()),
                () -> assertTrue(keptError <= 1e-10, "default conversion: inference after training differs from "
                        + "DL4J's by " + keptError),
                () -> assertTrue(unbiasedError > 1e-6, "the unbiased convention changes the running variance, so "
                        + "inference moves away from DL4J's: " + unbiasedError));
    }

    @Test
    void syncNetworkExportsToPlainDl4j(@TempDir Path dir) throws IOException {
        MultiLayerNetwork sync = new MultiLayerNetwork(Networks.list(Networks.Kind.DENSE,
                () -> new SyncBatchNormalization.Builder().decay(0.5).build(), new Adam(0.05), DataType.FLOAT, 4));
        sync.init();
        train(sync, Networks.Kind.DENSE);
        MultiLayerNetwork exported = BatchNormConversion.toDl4j(sync);
        File file = dir.resolve("exported.zip").toFile();
        ModelSerializer.writeModel(exported, file, false);
        MultiLayerNetwork loaded = MultiLayerNetwork.load(file, false);
        INDArray probe = Networks.features(Networks.Kind.DENSE, 6, DataType.FLOAT, 78);
        assertAll(
                () -> assertInstanceOf(BatchNormalization.class, loaded.getLayerWiseConfigurations().getConf(1).getLayer()),
                () -> assertTrue(!loaded.getLayerWiseConfigurations().toJson().contains("io.syncbn"),
                        "the exported configuration names no class of this project"),
                () -> assertClose(sync.output(probe), loaded.output(probe), "inference output"),
                () -> assertClose(sync.output(probe, true), loaded.output(probe, true), "training-mode output"));
    }

    @Test
    void fixedScaleExportsItsValue() {
        MultiLayerNetwork sync = new MultiLayerNetwork(Networks.list(Networks.Kind.DENSE,
                () -> new SyncBatchNormalization.Builder().scale(false).build(), new Adam(0.05), DataType.FLOAT, 4));
        sync.init();
        train(sync, Networks.Kind.DENSE);
        MultiLayerNetwork exported = BatchNormConversion.toDl4j(sync);
        INDArray probe = Networks.features(Networks.Kind.DENSE, 6, DataType.FLOAT, 79);
        assertClose(sync.output(probe), exported.output(probe), "inference output without a learned gamma");
    }

    @Test
    void graphsConvertBothWays() {
        ComputationGraph dl4j = new ComputationGraph(Networks.graph(Networks.Kind.NHWC,
                () -> new BatchNormalization.Builder().useLogStd(false).build(), new Adam(0.05), DataType.FLOAT, 6));
        dl4j.init();
        dl4j.fit(new INDArray[] {Networks.features(Networks.Kind.NHWC, 8, DataType.FLOAT, 1)},
                new INDArray[] {Networks.labels(8, DataType.FLOAT, 1)});
        ComputationGraph sync = BatchNormConversion.toSync(dl4j);
        ComputationGraph back = BatchNormConversion.toDl4j(sync);
        INDArray probe = Networks.features(Networks.Kind.NHWC, 3, DataType.FLOAT, 2);
        assertAll(
                () -> assertInstanceOf(SyncBatchNormalization.class, sync.getLayer("bn").conf().getLayer()),
                () -> assertInstanceOf(BatchNormalization.class, back.getLayer("bn").conf().getLayer()),
                () -> assertClose(dl4j.outputSingle(probe), sync.outputSingle(probe), "graph, to sync"),
                () -> assertClose(dl4j.outputSingle(probe), back.outputSingle(probe), "graph, round trip"));
    }

    @Test
    void volumesCannotBeExported() {
        MultiLayerNetwork sync = new MultiLayerNetwork(Networks.list(Networks.Kind.NCDHW,
                () -> new SyncBatchNormalization.Builder().build(), new Adam(0.05), DataType.FLOAT, 4));
        sync.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchNormConversion.toDl4j(sync));
        assertEquals("cannot export to DL4J's BatchNormalization: layer \"layer0\" (Convolution3D) makes 3-D "
                + "activations, and DL4J's BatchNormalization only normalizes rank 2 and rank 4 inputs; keep "
                + "SyncBatchNormalization (it runs with world size 1 without any cluster)", e.getMessage());
    }

    private static void train(MultiLayerNetwork net, Networks.Kind kind) {
        for (int i = 0; i < 4; i++) {
            net.fit(Networks.features(kind, 8, DataType.FLOAT, i), Networks.labels(8, DataType.FLOAT, i));
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double err = ShardRunner.normalizedError(ShardRunner.flat(expected), ShardRunner.flat(actual));
        assertTrue(err <= TOLERANCE, what + ": normalized error " + err + " > " + TOLERANCE);
    }
}
