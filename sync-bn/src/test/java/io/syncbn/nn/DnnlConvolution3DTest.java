package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.convert.LayerConversion;
import io.syncbn.nn.conf.DnnlConvolution3D;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link DnnlConvolution3D} against DL4J's {@link Convolution3D} on the same parameters (outputs,
 * input, weight and bias gradients) for NCDHW and NDHWC, "same" (asymmetric with stride 2) and
 * truncate modes (with trailing input dropped), with and without bias, float32
 * (oneDNN) and float64 (libnd4j); DL4J's float64 gradient check through a network of it; JSON and
 * {@code ModelSerializer} round trips of a trained network; and the conversion of such a network
 * from DL4J's layers.
 */
class DnnlConvolution3DTest {

    private static final double DOUBLE_TOLERANCE = 1e-10;
    private static final double FLOAT_TOLERANCE = 2e-5;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (Convolution3D.DataFormat format : Convolution3D.DataFormat.values()) {
                cases.add(Arguments.of(dt, format, ConvolutionMode.Same, 2, 0, true, Activation.IDENTITY));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Same, 1, 0, false, Activation.RELU));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Truncate, 2, 0, false, Activation.IDENTITY));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Truncate, 1, 1, true, Activation.TANH));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} stride {3} pad {4} bias={5} {6}")
    @MethodSource("cases")
    void matchesDl4jConvolution3D(DataType dt, Convolution3D.DataFormat format, ConvolutionMode mode, int stride,
            int pad, boolean bias, Activation activation) {
        int in = 2;
        Convolution3D dl4jConf = new Convolution3D.Builder(3, 3, 3).stride(stride, stride, stride).padding(pad, pad, pad)
                .convolutionMode(mode).dataFormat(format).nIn(in).nOut(3).hasBias(bias).activation(activation).build();
        Layer dl4j = Dl4jEquivalenceTest.standalone(dl4jConf, dt);
        Layer ours = Dl4jEquivalenceTest.standalone(DnnlConvolution3D.of(dl4jConf), dt);
        ours.setParams(dl4j.params());
        long[] shape = format == Convolution3D.DataFormat.NCDHW ? new long[] {3, in, 5, 7, 6}
                : new long[] {3, 5, 7, 6, in};
        Nd4j.getRandom().setSeed(13);
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape).castTo(dt);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        double tol = dt == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
        List<Executable> checks = new ArrayList<>();
        dl4j.setInput(x, ws);
        ours.setInput(x, ws);
        INDArray yDl4j = dl4j.activate(true, ws);
        INDArray yOurs = ours.activate(true, ws);
        checks.add(DnnlConvolutionEquivalenceTest.close(yDl4j, yOurs, tol, "output"));
        INDArray dy = Nd4j.randn(DataType.DOUBLE, yDl4j.shape()).castTo(dt);
        Pair<Gradient, INDArray> gDl4j = dl4j.backpropGradient(dy.dup(), ws);
        Pair<Gradient, INDArray> gOurs = ours.backpropGradient(dy.dup(), ws);
        checks.add(DnnlConvolutionEquivalenceTest.close(gDl4j.getSecond(), gOurs.getSecond(), tol, "input gradient"));
        checks.add(DnnlConvolutionEquivalenceTest.close(dl4j.getGradientsViewArray(), ours.getGradientsViewArray(), tol,
                "parameter gradients"));
        assertAll(checks);
    }

    @Test
    void passesDl4jGradientCheckInFloat64() {
        MultiLayerNetwork net = new MultiLayerNetwork(network(DataType.DOUBLE));
        net.init();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 4, 5, 4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        y.putScalar(0, 1, 1.0);
        y.putScalar(1, 2, 1.0);
        boolean ok;
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
        assertTrue(ok, "gradient check failed");
    }

    @Test
    void dl4jNetworkConvertsToTheProjectsLayers() {
        MultiLayerConfiguration conf = network(DataType.FLOAT);
        MultiLayerConfiguration dl4jConf = conf.clone();
        dl4jConf.getConf(0).setLayer(((DnnlConvolution3D) conf.getConf(0).getLayer()).toDl4j());
        MultiLayerNetwork dl4j = new MultiLayerNetwork(dl4jConf);
        dl4j.init();
        MultiLayerNetwork ours = LayerConversion.toProject(dl4j);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, 4, 5, 4);
        assertAll(
                () -> assertEquals(DnnlConvolution3D.class, ours.getLayerWiseConfigurations().getConf(0).getLayer().getClass()),
                () -> assertEquals(dl4j.params(), ours.params(), "parameters"),
                () -> assertArrayEquals(dl4j.output(x).shape(), ours.output(x).shape()),
                () -> assertTrue(dl4j.output(x).sub(ours.output(x)).amaxNumber().doubleValue() <= FLOAT_TOLERANCE,
                        "same outputs"));
    }

    @Test
    void trainedNetworkRoundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(network(DataType.FLOAT));
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, 4, 5, 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 3);
        y.putScalar(0, 1, 1.0);
        y.putScalar(1, 2, 1.0);
        net.fit(new DataSet(x, y));
        MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        File file = dir.resolve("net3d.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertAll(
                () -> assertEquals(net.getLayerWiseConfigurations(), fromJson, "JSON configuration"),
                () -> assertEquals(DnnlConvolution3D.class, fromJson.getConf(0).getLayer().getClass(), "JSON layer class"),
                () -> assertEquals(net.params(), restored.params(), "parameters"),
                () -> assertArrayEquals(net.output(x, false).ravel().toFloatVector(),
                        restored.output(x, false).ravel().toFloatVector(), "outputs"));
    }

    private static MultiLayerConfiguration network(DataType dt) {
        return new NeuralNetConfiguration.Builder().dataType(dt).seed(5).updater(new NoOp()).list()
                .layer(new DnnlConvolution3D.Builder(3, 3, 3).nOut(3).stride(2, 1, 2).hasBias(true)
                        .dataFormat(Convolution3D.DataFormat.NCDHW).build())
                .layer(new SyncBatchNormalization.Builder().dataFormat(Convolution3D.DataFormat.NCDHW).build())
                .layer(new ActivationLayer(Activation.TANH))
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional3D(Convolution3D.DataFormat.NCDHW, 4, 5, 4, 2)).build();
    }
}
