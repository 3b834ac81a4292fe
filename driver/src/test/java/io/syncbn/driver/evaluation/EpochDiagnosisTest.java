package io.syncbn.driver.evaluation;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.stats.StatisticsDivergence;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The epoch-end diagnostics against direct computations, in float64, on a network with two BN layers
 * whose running statistics differ from the data's (a few training steps with a high decay):
 * <ul>
 *   <li>the running-versus-population gap: each BN layer's input over the whole training set is
 *       taken from DL4J's own {@code feedForward} in inference mode and reduced with plain loops;</li>
 *   <li>the test accuracy with batch statistics: each block of b test examples is passed alone
 *       through a copy of the network in training mode (DL4J's path that normalizes with the batch's
 *       statistics), for b = 1, 3 and 7 (a shorter last block);</li>
 *   <li>the network is unchanged afterwards: parameters bit-identical, inference outputs equal.</li>
 * </ul>
 */
class EpochDiagnosisTest {

    private static final double TOLERANCE = 1e-10;
    private static final double EPS = 1e-5;

    @ParameterizedTest(name = "blocks of {0}")
    @ValueSource(ints = {1, 3, 7})
    void matchesDirectComputationsAndLeavesTheNetworkUnchanged(int block) {
        MultiLayerNetwork net = trainedNet();
        DataSet train = data(40, 11);
        DataSet test = data(23, 12);
        INDArray paramsBefore = net.params().dup();
        INDArray outputBefore = net.output(test.getFeatures(), false).dup();

        EpochDiagnostics d = EpochDiagnosis.measure(net, train, test, block);

        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(List.of("bn1", "bn2"), d.layers()));
        int[] bnIndex = {1, 4};
        for (int i = 0; i < 2; i++) {
            INDArray input = net.feedForward(train.getFeatures(), false).get(bnIndex[i]);
            double[][] pop = moments(input);
            StatisticsDivergence expected = direct(net.getLayer(bnIndex[i]).getParam("mean").toDoubleVector(),
                    net.getLayer(bnIndex[i]).getParam("var").toDoubleVector(), pop[0], pop[1]);
            int layer = i;
            checks.add(() -> assertEquals(expected.mean(), d.runningGapMean()[layer], TOLERANCE, "gap mean, layer "
                    + layer));
            checks.add(() -> assertEquals(expected.logVar(), d.runningGapLogVar()[layer], TOLERANCE,
                    "gap log-variance, layer " + layer));
            checks.add(() -> assertTrue(expected.mean() > 0.01, "the running statistics are off the population: "
                    + expected.mean()));
        }
        checks.add(() -> assertEquals(blockAccuracy(net, test, block), d.testAccuracyBatch(), 0.0,
                "accuracy with batch statistics"));
        checks.add(() -> assertArrayEquals(paramsBefore.toDoubleVector(), net.params().toDoubleVector(), 0.0,
                "parameters unchanged"));
        checks.add(() -> assertArrayEquals(outputBefore.reshape(-1).toDoubleVector(),
                net.output(test.getFeatures(), false).reshape(-1).toDoubleVector(), 0.0, "inference unchanged"));
        assertAll(checks);
    }

    @Test
    void tooFewValuesPerBlockGivesNoBatchAccuracy() {
        // A dense layer: one value per channel per example, so a block of 1 has no statistics.
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(5, 5, 1, CNN2DFormat.NCHW)).build());
        net.init();
        EpochDiagnostics d = EpochDiagnosis.measure(net, data(8, 3), data(5, 4), 1);
        assertEquals(Double.NaN, d.testAccuracyBatch(), "1x1 inputs in blocks of 1 give NaN, not a made-up value");
    }

    /** Accuracy when each block of b examples goes alone through a training-mode forward pass of a copy. */
    private static double blockAccuracy(MultiLayerNetwork net, DataSet test, int block) {
        int n = test.numExamples();
        int correct = 0;
        for (int from = 0; from < n; from += block) {
            int to = Math.min(n, from + block);
            MultiLayerNetwork copy = net.clone();
            INDArray x = test.getFeatures().get(NDArrayIndex.interval(from, to)).dup();
            INDArray out = copy.output(x, true);
            INDArray labels = test.getLabels().get(NDArrayIndex.interval(from, to));
            for (int i = 0; i < to - from; i++) {
                if (out.getRow(i).argMax().getInt(0) == labels.getRow(i).argMax().getInt(0)) {
                    correct++;
                }
            }
        }
        return (double) correct / n;
    }

    private static StatisticsDivergence direct(double[] runMean, double[] runVar, double[] popMean, double[] popVar) {
        double shift = 0;
        double ratio = 0;
        for (int c = 0; c < runMean.length; c++) {
            shift += Math.abs(runMean[c] - popMean[c]) / Math.sqrt(popVar[c] + EPS);
            ratio += Math.abs(Math.log((runVar[c] + EPS) / (popVar[c] + EPS)));
        }
        return new StatisticsDivergence(shift / runMean.length, ratio / runMean.length);
    }

    /** Per-channel {mean, biased variance} over N, H, W of an NCHW array, two-pass. */
    private static double[][] moments(INDArray x) {
        int channels = (int) x.size(1);
        double[] mean = new double[channels];
        double[] var = new double[channels];
        long n = x.size(0) * x.size(2) * x.size(3);
        for (int c = 0; c < channels; c++) {
            INDArray slice = x.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all());
            double[] v = slice.dup('c').reshape(-1).toDoubleVector();
            double sum = 0;
            for (double value : v) {
                sum += value;
            }
            mean[c] = sum / n;
            double sq = 0;
            for (double value : v) {
                sq += (value - mean[c]) * (value - mean[c]);
            }
            var[c] = sq / n;
        }
        return new double[][] {mean, var};
    }

    private static DataSet data(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 1, 5, 5).muli(3).addi(0.5);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (int) ((i * 7 + seed) % 3), 1.0);
        }
        return new DataSet(x, y);
    }

    /** conv → BN → ReLU → conv → BN → ReLU → pool → softmax, trained a few steps so it is not trivial. */
    private static MultiLayerNetwork trainedNet() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new Adam(0.05)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).padding(1, 1).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().decay(0.9).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().decay(0.9).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new GlobalPoolingLayer(PoolingType.AVG))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(5, 5, 1, CNN2DFormat.NCHW)).build());
        net.init();
        for (int s = 0; s < 4; s++) {
            net.fit(data(6, 100 + s));
        }
        return net;
    }
}
