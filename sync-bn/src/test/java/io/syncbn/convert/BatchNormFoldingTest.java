package io.syncbn.convert;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.activations.FastReLU;
import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.testing.ShardRunner;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Folding BN into the layer before it: inference outputs of the folded network equal the unfolded
 * network's to 1e-10 in float64 and 1e-5 in float32 (normalized error), after training moved the
 * running statistics, gamma and beta away from their initial values. Cases: the project's layers
 * (oneDNN convolution without bias, SyncBN, FastReLU) in NCHW and NHWC, a dense layer, a BN layer that
 * cannot fold (after a ReLU) kept and listed, and a graph where one convolution's output also feeds a
 * skip connection (kept) while another folds. The folded configuration names no class of this
 * project and holds no foldable BN.
 */
class BatchNormFoldingTest {

    private static final double DOUBLE_TOLERANCE = 1e-10;
    private static final double FLOAT_TOLERANCE = 1e-5;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CNN2DFormat.class)
    void listNetworkFoldsToTheSameOutputsInDouble(CNN2DFormat format) {
        MultiLayerNetwork net = list(DataType.DOUBLE, format);
        trainList(net, format, DataType.DOUBLE);
        BatchNormFolding.Result<MultiLayerNetwork> r = BatchNormFolding.fold(net);
        INDArray x = images(5, format, DataType.DOUBLE, 99);
        double err = error(net.output(x), r.network().output(x));
        String json = r.network().getLayerWiseConfigurations().toJson();
        assertAll(
                () -> assertTrue(err <= DOUBLE_TOLERANCE, "normalized error " + err),
                () -> assertEquals(List.of("layer 1 into layer 0", "layer 4 into layer 3", "layer 8 into layer 7"),
                        r.folded()),
                () -> assertEquals(List.of("layer 11: the layer before it is ActivationLayer, not "
                        + "ConvolutionLayer or DenseLayer"), r.kept()),
                () -> assertEquals(net.getnLayers() - 3, r.network().getnLayers(), "three BN layers gone"),
                () -> assertFalse(json.contains("io.syncbn"), "plain DL4J configuration"),
                () -> assertEquals(1, count(json, "BatchNormalization"), "only the kept BN remains"));
    }

    @ParameterizedTest(name = "float32, {0}")
    @ValueSource(strings = {"NCHW"})
    void listNetworkFoldsToTheSameOutputsInFloat(String format) {
        CNN2DFormat f = CNN2DFormat.valueOf(format);
        MultiLayerNetwork net = list(DataType.FLOAT, f);
        trainList(net, f, DataType.FLOAT);
        INDArray x = images(7, f, DataType.FLOAT, 98);
        double err = error(net.output(x), BatchNormFolding.fold(net).network().output(x));
        assertTrue(err <= FLOAT_TOLERANCE, "normalized error " + err);
    }

    @Test
    void graphFoldsWhatItCanAndKeepsABranchingConvolution() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.DOUBLE).updater(new Adam(0.03)).graphBuilder().addInputs("in")
                .addLayer("c1", conv(3, CNN2DFormat.NCHW), "in")
                .addLayer("bn1", new SyncBatchNormalization.Builder().build(), "c1")
                .addLayer("r1", new ActivationLayer(new FastReLU()), "bn1")
                .addLayer("c2", conv(3, CNN2DFormat.NCHW), "r1")
                .addLayer("bn2", new SyncBatchNormalization.Builder().build(), "c2")
                .addVertex("skip", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2", "c2")
                .addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "skip")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(6, 6, 2, CNN2DFormat.NCHW)).build());
        g.init();
        for (int s = 0; s < 4; s++) {
            g.fit(new org.nd4j.linalg.dataset.DataSet(images(8, CNN2DFormat.NCHW, DataType.DOUBLE, s), labels(8, s)));
        }
        BatchNormFolding.Result<ComputationGraph> r = BatchNormFolding.fold(g);
        INDArray x = images(5, CNN2DFormat.NCHW, DataType.DOUBLE, 97);
        double err = error(g.outputSingle(x), r.network().outputSingle(x));
        assertAll(
                () -> assertTrue(err <= DOUBLE_TOLERANCE, "normalized error " + err),
                () -> assertEquals(List.of("bn1 into c1"), r.folded()),
                () -> assertEquals(List.of("bn2: the output of c2 also feeds other vertices"), r.kept()),
                () -> assertFalse(r.network().getConfiguration().getVertices().containsKey("bn1"), "bn1 gone"),
                () -> assertFalse(r.network().getConfiguration().toJson().contains("io.syncbn"), "plain DL4J"));
    }

    /** conv → BN → ReLU, conv(bias) → BN → ReLU, pool, dense → BN → ReLU, ReLU → BN (kept), output. */
    private static MultiLayerNetwork list(DataType dt, CNN2DFormat format) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(dt)
                .updater(new Adam(0.03)).list()
                .layer(conv(4, format))
                .layer(new SyncBatchNormalization.Builder().dataFormat(format).build())
                .layer(new ActivationLayer(new FastReLU()))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(5).padding(1, 1).dataFormat(format)
                        .activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().dataFormat(format).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new GlobalPoolingLayer(PoolingType.AVG))
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.TANH))
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new SyncBatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(6, 6, 2, format)).build());
        net.init();
        return net;
    }

    private static void trainList(MultiLayerNetwork net, CNN2DFormat format, DataType dt) {
        for (int s = 0; s < 4; s++) {
            net.fit(images(8, format, dt, s), labels(8, s).castTo(dt));
        }
    }

    private static DnnlConvolution2D conv(int nOut, CNN2DFormat format) {
        return (DnnlConvolution2D) new DnnlConvolution2D.Builder(3, 3).nOut(nOut).padding(1, 1).hasBias(false)
                .dataFormat(format).activation(Activation.IDENTITY).build();
    }

    private static INDArray images(int n, CNN2DFormat format, DataType dt, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = format == CNN2DFormat.NCHW ? new long[] {n, 2, 6, 6} : new long[] {n, 6, 6, 2};
        return Nd4j.rand(DataType.DOUBLE, shape).muli(3).addi(1).castTo(dt);
    }

    private static INDArray labels(int n, long seed) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (int) ((i + seed) % 3), 1.0);
        }
        return y;
    }

    private static double error(INDArray expected, INDArray actual) {
        return ShardRunner.normalizedError(ShardRunner.flat(expected), ShardRunner.flat(actual));
    }

    private static int count(String text, String word) {
        return text.split("\"@class\" *: *\"org.deeplearning4j.nn.conf.layers." + word + "\"", -1).length - 1;
    }
}
