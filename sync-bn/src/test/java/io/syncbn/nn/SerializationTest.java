package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.conf.SyncBatchNormalization.RunningVariance;
import io.syncbn.testing.Networks;
import io.syncbn.testing.ShardRunner;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The layer round-trips through DL4J's JSON configuration (every option) and through {@code
 * ModelSerializer} (parameters, running statistics, updater state), for list networks and graphs.
 */
class SerializationTest {

    private static final double TOLERANCE = 0.0;

    @Test
    void everyOptionSurvivesJson() {
        SyncBatchNormalization bn = new SyncBatchNormalization.Builder().name("bn").decay(0.75).eps(3e-4)
                .center(false).scale(true).gammaInit(1.5).betaInit(-0.5).runningMeanInit(0.25).runningVarInit(2)
                .lockGammaBeta(false).useGlobalStats(true).runningVariance(RunningVariance.BIASED)
                .dataFormat(CNN2DFormat.NHWC).dataFormat(Convolution3D.DataFormat.NDHWC).axis(2).virtualBatchSize(6)
                .build();
        MultiLayerConfiguration conf = Networks.list(Networks.Kind.DENSE, () -> bn.clone(), new Adam(1e-3),
                DataType.FLOAT, 1);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        SyncBatchNormalization read = assertInstanceOf(SyncBatchNormalization.class, back.getConf(1).getLayer());
        assertAll(
                () -> assertEquals(conf.getConf(1).getLayer(), read, "all fields equal"),
                () -> assertEquals(0.75, read.getDecay()),
                () -> assertEquals(RunningVariance.BIASED, read.getRunningVariance()),
                () -> assertEquals(Convolution3D.DataFormat.NDHWC, read.getCnn3DFormat()),
                () -> assertEquals(2, read.getAxis()),
                () -> assertEquals(6, read.getVirtualBatchSize()),
                () -> assertEquals(conf, back, "whole configuration"));
    }

    @Test
    void trainedListNetworkRoundTripsThroughModelSerializer(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(Networks.list(Networks.Kind.NCHW,
                Networks.syncBn(RunningVariance.UNBIASED), new Adam(0.01), DataType.FLOAT, 5));
        net.init();
        for (int i = 0; i < 3; i++) {
            net.fit(Networks.features(Networks.Kind.NCHW, 8, DataType.FLOAT, i), Networks.labels(8, DataType.FLOAT, i));
        }
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        INDArray probe = Networks.features(Networks.Kind.NCHW, 5, DataType.FLOAT, 42);
        assertAll(
                () -> assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations()),
                () -> assertEquals(net.params(), restored.params(), "parameters and running statistics"),
                () -> assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(),
                        "updater state"),
                () -> assertEquals(0, ShardRunner.normalizedError(ShardRunner.flat(net.output(probe)),
                        ShardRunner.flat(restored.output(probe))), TOLERANCE, "inference output"));
    }

    @Test
    void graphRoundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws IOException {
        ComputationGraphConfiguration conf = Networks.graph(Networks.Kind.DENSE,
                Networks.syncBn(RunningVariance.UNBIASED), new Adam(0.01), DataType.DOUBLE, 5);
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        graph.fit(new INDArray[] {Networks.features(Networks.Kind.DENSE, 8, DataType.DOUBLE, 1)},
                new INDArray[] {Networks.labels(8, DataType.DOUBLE, 1)});
        File file = dir.resolve("graph.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        INDArray probe = Networks.features(Networks.Kind.DENSE, 4, DataType.DOUBLE, 9);
        assertAll(
                () -> assertEquals(graph.params(), restored.params()),
                () -> assertEquals(graph.outputSingle(probe), restored.outputSingle(probe)));
    }
}
