package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.convert.LayerConversion;
import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.layers.DnnlConvolution2DLayer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link DnnlConvolution2D} as a DL4J layer in networks: DL4J's float64 gradient check through it
 * (NCHW and NHWC, "same" padding that is asymmetric, truncation that drops input, dilation, bias);
 * JSON and {@code ModelSerializer} round trips of trained list networks and graphs (same class, same
 * parameters and updater state, same outputs exactly); conversion to DL4J's own layers and back
 * ({@link LayerConversion}: DL4J classes only, same outputs, parameters copied exactly).
 */
class DnnlConvolutionNetworkTest {

    private static final double EPSILON = 1e-6;
    private static final double MAX_REL_ERROR = 1e-5;
    private static final double MIN_ABS_ERROR = 1e-9;
    /** float32: oneDNN and DL4J's im2col sum in different orders. */
    private static final double FLOAT_TOLERANCE = 1e-5;

    static Stream<Arguments> gradientCases() {
        return Stream.of(
                Arguments.of(CNN2DFormat.NCHW, ConvolutionMode.Same, 2, 1, true),
                Arguments.of(CNN2DFormat.NHWC, ConvolutionMode.Same, 2, 1, false),
                Arguments.of(CNN2DFormat.NCHW, ConvolutionMode.Truncate, 2, 1, false),
                Arguments.of(CNN2DFormat.NHWC, ConvolutionMode.Truncate, 1, 2, true));
    }

    @ParameterizedTest(name = "{0} {1} stride {2} dilation {3} bias {4}")
    @MethodSource("gradientCases")
    void passesDl4jGradientCheckInFloat64(CNN2DFormat format, ConvolutionMode mode, int stride, int dilation,
            boolean bias) {
        MultiLayerNetwork net = new MultiLayerNetwork(network(format, mode, stride, dilation, bias, DataType.DOUBLE,
                new NoOp()));
        net.init();
        Nd4j.getRandom().setSeed(3);
        long[] shape = format == CNN2DFormat.NCHW ? new long[] {3, 2, 7, 6} : new long[] {3, 7, 6, 2};
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 3, 3);
        for (int i = 0; i < 3; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        boolean ok;
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .epsilon(EPSILON).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR));
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
        assertTrue(ok, "gradient check failed for " + format + " " + mode);
    }

    @Test
    void trainedListNetworkRoundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = trained(network(CNN2DFormat.NCHW, ConvolutionMode.Same, 2, 1, true, DataType.FLOAT,
                new Adam(1e-2)));
        MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        INDArray x = input(CNN2DFormat.NCHW, DataType.FLOAT);
        assertAll(
                () -> assertEquals(DnnlConvolution2D.class, fromJson.getConf(0).getLayer().getClass(), "JSON layer class"),
                () -> assertEquals(net.getLayerWiseConfigurations(), fromJson, "JSON configuration"),
                () -> assertEquals(DnnlConvolution2DLayer.class, restored.getLayer(0).getClass(), "restored layer class"),
                () -> assertEquals(net.params(), restored.params(), "parameters"),
                () -> assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(),
                        "updater state"),
                () -> assertArrayEquals(net.output(x, false).ravel().toFloatVector(), restored.output(x, false).ravel().toFloatVector(),
                        "outputs"));
    }

    @Test
    void graphRoundTripsThroughModelSerializerAndConvertsToDl4j(@TempDir Path dir) throws IOException {
        ComputationGraph graph = new ComputationGraph(graphConf());
        graph.init();
        INDArray x = input(CNN2DFormat.NHWC, DataType.FLOAT);
        graph.fit(new DataSet(x, labels(DataType.FLOAT)));
        File file = dir.resolve("graph.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        ComputationGraph dl4j = LayerConversion.toDl4j(graph);
        ComputationGraph back = LayerConversion.toProject(dl4j);
        assertAll(
                () -> assertEquals(graph.params(), restored.params(), "restored parameters"),
                () -> assertArrayEquals(graph.outputSingle(false, x).ravel().toFloatVector(),
                        restored.outputSingle(false, x).ravel().toFloatVector(), "restored outputs"),
                () -> assertEquals(ConvolutionLayer.class, dl4j.getLayer("conv").conf().getLayer().getClass(),
                        "DL4J convolution"),
                () -> assertEquals(BatchNormalization.class, dl4j.getLayer("bn").conf().getLayer().getClass(), "DL4J BN"),
                () -> assertTrue(close(graph.outputSingle(false, x), dl4j.outputSingle(false, x)), "DL4J outputs"),
                () -> assertEquals(DnnlConvolution2D.class, back.getLayer("conv").conf().getLayer().getClass(),
                        "converted back"),
                () -> assertEquals(graph.getLayer("conv").params(), back.getLayer("conv").params(), "conv parameters"),
                () -> assertEquals(graph.getUpdater().getStateViewArray(), dl4j.getUpdater().getStateViewArray(),
                        "updater state kept"));
    }

    @Test
    void listNetworkConvertsToDl4jAndBack() {
        MultiLayerNetwork net = trained(network(CNN2DFormat.NCHW, ConvolutionMode.Truncate, 1, 1, true,
                DataType.FLOAT, new Adam(1e-2)));
        MultiLayerNetwork dl4j = LayerConversion.toDl4j(net);
        MultiLayerNetwork back = LayerConversion.toProject(dl4j);
        INDArray x = input(CNN2DFormat.NCHW, DataType.FLOAT);
        assertAll(
                () -> assertFalse(dl4j.getLayerWiseConfigurations().getConfs().stream()
                        .anyMatch(c -> LayerConversion.isProjectLayer(c.getLayer())), "only DL4J layers"),
                () -> assertEquals(ConvolutionLayer.class, dl4j.getLayerWiseConfigurations().getConf(0).getLayer().getClass()),
                () -> assertTrue(close(net.output(x, false), dl4j.output(x, false)), "same outputs"),
                () -> assertEquals(net.getLayer(0).params(), dl4j.getLayer(0).params(), "conv parameters"),
                () -> assertEquals(DnnlConvolution2D.class, back.getLayerWiseConfigurations().getConf(0).getLayer().getClass()),
                () -> assertEquals(net.getLayerWiseConfigurations().getConf(0).getLayer(),
                        back.getLayerWiseConfigurations().getConf(0).getLayer(), "configuration survives the round trip"));
    }

    private static MultiLayerConfiguration network(CNN2DFormat format, ConvolutionMode mode, int stride, int dilation,
            boolean bias, DataType dt, org.nd4j.linalg.learning.config.IUpdater updater) {
        return new NeuralNetConfiguration.Builder().dataType(dt).seed(5).updater(updater).list()
                .layer(new DnnlConvolution2D.Builder(3, 3).nOut(4).stride(stride, stride).dilation(dilation, dilation)
                        .convolutionMode(mode).hasBias(bias).dataFormat(format).activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().dataFormat(format).build())
                .layer(new ActivationLayer(Activation.TANH))
                .layer(new DnnlConvolution2D.Builder(2, 2).nOut(3).convolutionMode(mode).hasBias(!bias)
                        .dataFormat(format).activation(Activation.SOFTPLUS).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(7, 6, 2, format)).build();
    }

    private static ComputationGraphConfiguration graphConf() {
        return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(5).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("conv", new DnnlConvolution2D.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .stride(2, 2).hasBias(false).dataFormat(CNN2DFormat.NHWC).build(), "in")
                .addLayer("bn", new SyncBatchNormalization.Builder().dataFormat(CNN2DFormat.NHWC).build(), "conv")
                .addLayer("relu", new ActivationLayer(Activation.RELU), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(7, 6, 2, CNN2DFormat.NHWC)).build();
    }

    private static MultiLayerNetwork trained(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet data = new DataSet(input(CNN2DFormat.NCHW, DataType.FLOAT), labels(DataType.FLOAT));
        for (int i = 0; i < 3; i++) {
            net.fit(data);
        }
        return net;
    }

    private static INDArray input(CNN2DFormat format, DataType dt) {
        Nd4j.getRandom().setSeed(9);
        long[] shape = format == CNN2DFormat.NCHW ? new long[] {6, 2, 7, 6} : new long[] {6, 7, 6, 2};
        return Nd4j.randn(DataType.DOUBLE, shape).castTo(dt);
    }

    private static INDArray labels(DataType dt) {
        INDArray y = Nd4j.zeros(dt, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return y;
    }

    private static boolean close(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() <= FLOAT_TOLERANCE;
    }
}
