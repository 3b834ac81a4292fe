package io.syncbn.driver.models;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.activations.FastReLU;
import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The registry and its architectures: every model builds as a list and as a graph, initializes,
 * takes a fit step on a tiny FLOAT batch and round-trips through JSON; the fmnist-cnn has exactly
 * the specified layers and feature-map shapes; bad specs and names are refused with messages.
 */
class ModelsTest {

    private static final int BATCH = 4;

    static Stream<String> names() {
        return Models.names().stream();
    }

    @Test
    void registryListsTheModelsWithTheDefaultFirst() {
        assertAll(
                () -> assertEquals(List.of("fmnist-cnn", "mlp", "cnn3d"), Models.names()),
                () -> assertEquals("fmnist-cnn", Models.DEFAULT),
                () -> assertEquals("mlp", Models.get("mlp").name()));
    }

    @Test
    void unknownModelIsRefusedWithTheAllowedNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.get("resnet50"));
        assertEquals("unknown model \"resnet50\": must be one of fmnist-cnn, mlp, cnn3d", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void listBuildsInitializesAndFits(String name) {
        ModelSpec spec = Models.get(name).defaultSpec();
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list(name, spec));
        net.init();
        INDArray before = net.params().dup();
        INDArray x = features(spec, 1);
        INDArray y = labels(spec.classes(), 2);
        net.fit(x, y);
        INDArray out = net.output(x);
        assertAll(
                () -> assertEquals(DataType.FLOAT, net.params().dataType(), name + ": parameter type"),
                () -> assertArrayEquals(new long[] {BATCH, spec.classes()}, out.shape(), name + ": output shape"),
                () -> assertTrue(Double.isFinite(net.score()), name + ": score " + net.score()),
                () -> assertNotEquals(before, net.params(), name + ": the fit step changed no parameter"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void graphBuildsInitializesAndFits(String name) {
        ModelSpec spec = Models.get(name).defaultSpec();
        ComputationGraph graph = new ComputationGraph(Models.graph(name, spec));
        graph.init();
        INDArray x = features(spec, 3);
        graph.fit(new INDArray[] {x}, new INDArray[] {labels(spec.classes(), 4)});
        INDArray out = graph.outputSingle(x);
        assertAll(
                () -> assertArrayEquals(new long[] {BATCH, spec.classes()}, out.shape(), name + ": output shape"),
                () -> assertTrue(Double.isFinite(graph.score()), name + ": score " + graph.score()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void listAndGraphHaveTheSameLayersAndParameterCount(String name) {
        ModelSpec spec = Models.get(name).defaultSpec();
        MultiLayerConfiguration list = Models.list(name, spec);
        ComputationGraphConfiguration graph = Models.graph(name, spec);
        MultiLayerNetwork net = new MultiLayerNetwork(list);
        net.init();
        ComputationGraph cg = new ComputationGraph(graph);
        cg.init();
        List<Layer> fromList = new ArrayList<>();
        for (int i = 0; i < list.getConfs().size(); i++) {
            fromList.add(list.getConf(i).getLayer());
        }
        List<Layer> fromGraph = new ArrayList<>();
        for (Layer layer : fromList) {
            LayerVertex vertex = (LayerVertex) graph.getVertices().get(layer.getLayerName());
            fromGraph.add(vertex.getLayerConf().getLayer());
        }
        assertAll(
                () -> assertEquals(fromList, fromGraph, name + ": layer configurations by name"),
                () -> assertEquals(net.numParams(), cg.numParams(), name + ": parameter count"),
                () -> assertEquals(List.of("output"), graph.getNetworkOutputs(), name + ": graph output"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void configurationsRoundTripThroughJson(String name) {
        ModelSpec spec = Models.get(name).defaultSpec();
        MultiLayerConfiguration list = Models.list(name, spec);
        ComputationGraphConfiguration graph = Models.graph(name, spec);
        assertAll(
                () -> assertEquals(list, MultiLayerConfiguration.fromJson(list.toJson()), name + ": list"),
                () -> assertEquals(graph, ComputationGraphConfiguration.fromJson(graph.toJson()), name + ": graph"));
    }

    @Test
    void fmnistCnnHasExactlyTheSpecifiedLayers() {
        MultiLayerConfiguration conf = Models.list("fmnist-cnn", Models.get("fmnist-cnn").defaultSpec());
        assertEquals(11, conf.getConfs().size(), "layer count");
        int[][] convs = {{32, 1}, {32, 2}, {64, 2}};
        List<Executable> checks = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            int at = 3 * b;
            int nOut = convs[b][0];
            int stride = convs[b][1];
            String where = "block " + (b + 1) + " (layer " + at + ")";
            ConvolutionLayer conv = assertInstanceOf(DnnlConvolution2D.class, conf.getConf(at).getLayer(), where);
            checks.add(() -> assertFalse(conv instanceof Convolution3D, where));
            checks.add(() -> assertArrayEquals(new int[] {3, 3}, conv.getKernelSize(), where + ": kernel"));
            checks.add(() -> assertArrayEquals(new int[] {stride, stride}, conv.getStride(), where + ": stride"));
            checks.add(() -> assertArrayEquals(new int[] {1, 1}, conv.getPadding(), where + ": padding"));
            checks.add(() -> assertEquals(nOut, conv.getNOut(), where + ": nOut"));
            checks.add(() -> assertFalse(conv.hasBias(), where + ": hasBias"));
            checks.add(() -> assertEquals(Activation.IDENTITY.getActivationFunction(), conv.getActivationFn(),
                    where + ": conv activation"));
            SyncBatchNormalization bn = assertInstanceOf(SyncBatchNormalization.class,
                    conf.getConf(at + 1).getLayer(), where + ": BN");
            checks.add(() -> assertEquals(nOut, bn.getNOut(), where + ": BN channels"));
            ActivationLayer relu = assertInstanceOf(ActivationLayer.class, conf.getConf(at + 2).getLayer(),
                    where + ": activation");
            checks.add(() -> assertInstanceOf(FastReLU.class, relu.getActivationFn(), where + ": ReLU"));
        }
        GlobalPoolingLayer pool = assertInstanceOf(GlobalPoolingLayer.class, conf.getConf(9).getLayer(), "pool");
        OutputLayer out = assertInstanceOf(OutputLayer.class, conf.getConf(10).getLayer(), "output");
        checks.add(() -> assertEquals(PoolingType.AVG, pool.getPoolingType(), "global average pooling"));
        checks.add(() -> assertEquals(10, out.getNOut(), "output nOut"));
        checks.add(() -> assertEquals(64, out.getNIn(), "output nIn"));
        checks.add(() -> assertInstanceOf(ActivationSoftmax.class, out.getActivationFn(), "softmax"));
        checks.add(() -> assertInstanceOf(LossMCXENT.class, out.getLossFn(), "cross-entropy"));
        checks.add(() -> assertEquals(new Adam(1e-3), out.getIUpdater(), "Adam 1e-3"));
        assertAll(checks.stream());
    }

    @Test
    void fmnistCnnFeatureMapsHaveTheSpecifiedShapes() {
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list("fmnist-cnn",
                Models.get("fmnist-cnn").defaultSpec()));
        net.init();
        List<INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28), false);
        long[][] expected = {{2, 1, 28, 28}, {2, 32, 28, 28}, {2, 32, 28, 28}, {2, 32, 28, 28},
            {2, 32, 14, 14}, {2, 32, 14, 14}, {2, 32, 14, 14}, {2, 64, 7, 7}, {2, 64, 7, 7}, {2, 64, 7, 7},
            {2, 64}, {2, 10}};
        assertEquals(expected.length, acts.size(), "activations: input plus one per layer");
        assertAll(Stream.iterate(0, i -> i + 1).limit(expected.length).map(i -> () ->
                assertArrayEquals(expected[i], acts.get(i).shape(), "activation " + i + " (0 = input)")));
    }

    @Test
    void mlpHasOneDenseBnTanhBlockPerHiddenWidth() {
        ModelSpec spec = ModelSpec.of(List.of(5), 3).withHidden(List.of(7, 6, 4));
        MultiLayerConfiguration conf = Models.list("mlp", spec);
        assertEquals(10, conf.getConfs().size(), "layer count");
        int[] widths = {7, 6, 4};
        assertAll(Stream.iterate(0, b -> b + 1).limit(3).map(b -> () -> {
            DenseLayer dense = assertInstanceOf(DenseLayer.class, conf.getConf(3 * b).getLayer(), "block " + b);
            assertEquals(widths[b], dense.getNOut(), "block " + b + ": width");
            assertFalse(dense.hasBias(), "block " + b + ": hasBias");
            assertInstanceOf(SyncBatchNormalization.class, conf.getConf(3 * b + 1).getLayer(), "block " + b);
            ActivationLayer act = assertInstanceOf(ActivationLayer.class, conf.getConf(3 * b + 2).getLayer());
            assertInstanceOf(ActivationTanH.class, act.getActivationFn(), "block " + b + ": tanh");
        }));
    }

    @Test
    void mlpWithoutHiddenWidthsIsLogisticRegressionAndFlattensImages() {
        ModelSpec spec = ModelSpec.of(List.of(1, 6, 6), 3).withHidden(List.of());
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list("mlp", spec));
        net.init();
        assertAll(
                () -> assertEquals(1, net.getnLayers(), "only the output layer"),
                () -> assertEquals(36 * 3 + 3, net.numParams(), "weights and bias of a 36 -> 3 softmax"),
                () -> assertArrayEquals(new long[] {2, 3}, net.output(Nd4j.rand(DataType.FLOAT, 2, 1, 6, 6)).shape()));
    }

    @Test
    void cnn3dNormalizesChannelsOfNcdhwVolumes() {
        MultiLayerConfiguration conf = Models.list("cnn3d", Models.get("cnn3d").defaultSpec());
        SyncBatchNormalization bn1 = assertInstanceOf(SyncBatchNormalization.class, conf.getConf(1).getLayer());
        SyncBatchNormalization bn2 = assertInstanceOf(SyncBatchNormalization.class, conf.getConf(4).getLayer());
        Convolution3D conv2 = assertInstanceOf(Convolution3D.class, conf.getConf(3).getLayer());
        assertAll(
                () -> assertEquals(Convolution3D.DataFormat.NCDHW, bn1.getCnn3DFormat(), "bn1 layout"),
                () -> assertEquals(1, bn1.channelAxis(5), "bn1 channel axis"),
                () -> assertEquals(8, bn1.getNOut(), "bn1 channels"),
                () -> assertEquals(16, bn2.getNOut(), "bn2 channels"),
                () -> assertArrayEquals(new int[] {2, 2, 2}, conv2.getStride(), "conv2 stride"),
                () -> assertFalse(conv2.hasBias(), "conv2 hasBias"));
    }

    @Test
    void doubleModelFitsFloatData() {
        ModelSpec spec = Models.get("mlp").defaultSpec().withInputShape(List.of(6)).withClasses(3)
                .withDataType(DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list("mlp", spec));
        net.init();
        net.fit(Nd4j.rand(DataType.FLOAT, BATCH, 6), labels(3, 1));
        assertAll(
                () -> assertEquals(DataType.DOUBLE, net.params().dataType()),
                () -> assertTrue(Double.isFinite(net.score()), "score " + net.score()));
    }

    @Test
    void sameSeedGivesTheSameInitialParameters() {
        ModelSpec spec = Models.get("fmnist-cnn").defaultSpec().withSeed(7);
        MultiLayerNetwork a = new MultiLayerNetwork(Models.list("fmnist-cnn", spec));
        MultiLayerNetwork b = new MultiLayerNetwork(Models.list("fmnist-cnn", spec));
        MultiLayerNetwork c = new MultiLayerNetwork(Models.list("fmnist-cnn", spec.withSeed(8)));
        a.init();
        b.init();
        c.init();
        assertAll(
                () -> assertEquals(a.params(), b.params(), "seed 7 twice"),
                () -> assertNotEquals(a.params(), c.params(), "seeds 7 and 8"));
    }

    @Test
    void inputShapeOfTheWrongRankIsRefused() {
        ModelSpec flat = ModelSpec.of(List.of(784), 10);
        ModelSpec image = ModelSpec.of(List.of(1, 28, 28), 10);
        assertAll(
                () -> assertEquals("model fmnist-cnn needs an input shape [channels, height, width] (3 dimensions), "
                        + "but got [784]", assertThrows(IllegalArgumentException.class,
                                () -> Models.list("fmnist-cnn", flat)).getMessage()),
                () -> assertEquals("model cnn3d needs an input shape [channels, depth, height, width] (4 dimensions), "
                        + "but got [1, 28, 28]", assertThrows(IllegalArgumentException.class,
                                () -> Models.graph("cnn3d", image)).getMessage()));
    }

    @Test
    void invalidSpecsAreRefusedNamingParameterRuleAndValue() {
        ModelSpec ok = ModelSpec.of(List.of(4), 2);
        assertAll(
                () -> assertEquals("dataType must be FLOAT or DOUBLE, but got BFLOAT16", assertThrows(
                        IllegalArgumentException.class, () -> ok.withDataType(DataType.BFLOAT16)).getMessage()),
                () -> assertEquals("learningRate must be a finite number > 0, but got 0.0", assertThrows(
                        IllegalArgumentException.class, () -> ok.withLearningRate(0)).getMessage()),
                () -> assertEquals("learningRate must be a finite number > 0, but got NaN", assertThrows(
                        IllegalArgumentException.class, () -> ok.withLearningRate(Double.NaN)).getMessage()),
                () -> assertEquals("inputShape must have 1 ([features]), 3 ([channels, height, width]) or 4 ([channels,"
                        + " depth, height, width]) dimensions, but got [28, 28]", assertThrows(
                                IllegalArgumentException.class, () -> ok.withInputShape(List.of(28, 28))).getMessage()),
                () -> assertEquals("every inputShape dimension must be >= 1, but got [1, 0, 28]", assertThrows(
                        IllegalArgumentException.class, () -> ok.withInputShape(List.of(1, 0, 28))).getMessage()),
                () -> assertEquals("classes must be >= 2, but got 1", assertThrows(
                        IllegalArgumentException.class, () -> ok.withClasses(1)).getMessage()),
                () -> assertEquals("every hidden width must be >= 1, but got [64, 0]", assertThrows(
                        IllegalArgumentException.class, () -> ok.withHidden(List.of(64, 0))).getMessage()));
    }

    @Test
    void specIsImmutable() {
        List<Integer> shape = new ArrayList<>(List.of(1, 28, 28));
        ModelSpec spec = ModelSpec.of(shape, 10);
        shape.set(0, 3);
        assertAll(
                () -> assertEquals(List.of(1, 28, 28), spec.inputShape()),
                () -> assertThrows(UnsupportedOperationException.class, () -> spec.hidden().add(1)),
                () -> assertSame(spec.inputShape(), spec.withSeed(1).inputShape()));
    }

    private static INDArray features(ModelSpec spec, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = new long[spec.inputShape().size() + 1];
        shape[0] = BATCH;
        for (int i = 0; i < spec.inputShape().size(); i++) {
            shape[i + 1] = spec.inputShape().get(i);
        }
        return Nd4j.rand(DataType.FLOAT, shape);
    }

    private static INDArray labels(int classes, long seed) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, classes);
        Random rnd = new Random(seed);
        for (int i = 0; i < BATCH; i++) {
            y.putScalar(i, rnd.nextInt(classes), 1.0);
        }
        return y;
    }
}
