package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.collective.InProcessGroup;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.testing.ShardRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Padded sequences {@code [N, C, T]} with a mask {@code [N, T]}: the layer gives, on the real steps,
 * the outputs and input gradients of plain BN on the unpadded concatenation of every worker's real
 * steps ({@code [steps, C]}), the same gamma and beta gradients (summed over workers) and running
 * statistics, with the upstream gradient zero on padded steps (as a masked loss makes it). Float64,
 * 1e-12, with 1 and 2 synchronized workers of different lengths, one worker holding only padding.
 */
class SequenceMaskTest {

    private static final double TOLERANCE = 1e-12;
    private static final LayerWorkspaceMgr WS = LayerWorkspaceMgr.noWorkspaces();
    private static final int C = 3;
    private static final int T = 5;

    @ParameterizedTest(name = "{0} worker(s)")
    @ValueSource(ints = {1, 2, 3})
    void paddedSequencesNormalizeAsTheirUnpaddedConcatenation(int workers) {
        int[][] lengths = {{5, 3, 2}, {1, 4}, {0}};
        List<INDArray> xs = new ArrayList<>();
        List<INDArray> dys = new ArrayList<>();
        List<INDArray> masks = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Nd4j.getRandom().setSeed(40 + w);
            int n = lengths[w].length;
            INDArray mask = Nd4j.zeros(DataType.DOUBLE, n, T);
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < lengths[w][i]; t++) {
                    mask.putScalar(i, t, 1.0);
                }
            }
            INDArray x = Nd4j.randn(DataType.DOUBLE, n, C, T).muli(3).addi(1);
            INDArray dy = Nd4j.randn(DataType.DOUBLE, n, C, T).muli(mask.reshape(n, 1, T));
            xs.add(x);
            dys.add(dy);
            masks.add(mask);
        }
        List<Object[]> out = InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            SyncBatchNormalizationLayer layer = layer();
            layer.setCollective(c);
            layer.setInput(xs.get(c.rank()), WS);
            layer.feedForwardMaskArray(masks.get(c.rank()), MaskState.Active, (int) xs.get(c.rank()).size(0));
            INDArray y = layer.activate(true, WS).dup();
            Pair<Gradient, INDArray> back = layer.backpropGradient(dys.get(c.rank()), WS);
            return new Object[] {y, back.getSecond().dup(), vector(back.getFirst().getGradientFor("gamma")),
                vector(back.getFirst().getGradientFor("beta")), vector(layer.getParam("mean")),
                vector(layer.getParam("var"))};
        });

        SyncBatchNormalizationLayer plain = layer();
        INDArray x2 = realSteps(xs, masks);
        plain.setInput(x2, WS);
        INDArray y2 = plain.activate(true, WS);
        Pair<Gradient, INDArray> back2 = plain.backpropGradient(realSteps(dys, masks), WS);

        List<Executable> checks = new ArrayList<>();
        List<INDArray> ys = new ArrayList<>();
        List<INDArray> dxs = new ArrayList<>();
        double[] dGamma = new double[C];
        double[] dBeta = new double[C];
        for (Object[] o : out) {
            ys.add((INDArray) o[0]);
            dxs.add((INDArray) o[1]);
            add(dGamma, (double[]) o[2]);
            add(dBeta, (double[]) o[3]);
        }
        checks.add(close(flat(y2), flat(realSteps(ys, masks)), "y on real steps"));
        checks.add(close(flat(back2.getSecond()), flat(realSteps(dxs, masks)), "dx on real steps"));
        checks.add(close(vector(back2.getFirst().getGradientFor("gamma")), dGamma, "dgamma"));
        checks.add(close(vector(back2.getFirst().getGradientFor("beta")), dBeta, "dbeta"));
        checks.add(close(vector(plain.getParam("mean")), (double[]) out.get(0)[4], "running mean"));
        checks.add(close(vector(plain.getParam("var")), (double[]) out.get(0)[5], "running variance"));
        assertAll(checks);
    }

    /** In a network, DL4J hands the feature mask to the layer, so training counts the real steps only. */
    @org.junit.jupiter.api.Test
    void aNetworkPassesTheMaskToTheLayer() {
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                        .layer(new SyncBatchNormalization.Builder().build())
                        .layer(new org.deeplearning4j.nn.conf.layers.RnnOutputLayer.Builder(
                                org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nOut(2)
                                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                        .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.recurrent(C, T)).build());
        net.init();
        INDArray mask = Nd4j.createFromArray(new double[][] {{1, 1, 1, 0, 0}, {1, 1, 0, 0, 0}});
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 2, 2, T);
        labels.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(1);
        net.fit(new org.nd4j.linalg.dataset.DataSet(Nd4j.randn(DataType.DOUBLE, 2, C, T), labels, mask, mask));
        SyncBatchNormalizationLayer bn = (SyncBatchNormalizationLayer) net.getLayer(0);
        org.junit.jupiter.api.Assertions.assertEquals(5, bn.lastLocalMoments().count(), "3 + 2 real steps");
    }

    /** The real steps of every sequence of every worker as rows {@code [steps, C]}, in order. */
    private static INDArray realSteps(List<INDArray> arrays, List<INDArray> masks) {
        List<double[]> rows = new ArrayList<>();
        for (int w = 0; w < arrays.size(); w++) {
            INDArray a = arrays.get(w);
            for (int i = 0; i < a.size(0); i++) {
                for (int t = 0; t < T; t++) {
                    if (masks.get(w).getDouble(i, t) != 0) {
                        double[] row = new double[C];
                        for (int c = 0; c < C; c++) {
                            row[c] = a.getDouble(i, c, t);
                        }
                        rows.add(row);
                    }
                }
            }
        }
        return Nd4j.createFromArray(rows.toArray(double[][]::new));
    }

    private static SyncBatchNormalizationLayer layer() {
        SyncBatchNormalizationLayer l = SyncBatchNorm.standalone(new SyncBatchNormalization.Builder().nIn(C).nOut(C)
                .decay(0.6).build(), DataType.DOUBLE);
        l.setParam("gamma", Nd4j.createFromArray(new double[][] {{1.5, -0.5, 0.8}}));
        l.setParam("beta", Nd4j.createFromArray(new double[][] {{0.2, 0.0, -0.3}}));
        return l;
    }

    private static void add(double[] sum, double[] v) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += v[i];
        }
    }

    private static double[] vector(INDArray a) {
        return a.dup('c').reshape(-1).toDoubleVector();
    }

    private static double[] flat(INDArray a) {
        return ShardRunner.flat(a);
    }

    private static Executable close(double[] expected, double[] actual, String what) {
        return () -> {
            double err = ShardRunner.normalizedError(expected, actual);
            assertTrue(err <= TOLERANCE, what + ": normalized error " + err);
        };
    }
}
