package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.testing.ShardRunner;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Ghost batch normalization against plain BN on each virtual batch: a layer with virtual batches of v
 * gives, for a shard of n examples, the outputs and input gradients of separate plain layers applied
 * to the blocks [0, v), [v, 2v), ... (a shorter last one), gamma and beta gradients summed over the
 * blocks, and running statistics updated from the mean of the blocks' statistics — which is the mean
 * of the plain layers' updated running statistics. Float64, 1e-12. Cases: NCHW and NHWC, blocks that
 * divide n and a shorter last block, v at least n (one block: plain BN). A block with one value per
 * channel is refused.
 */
class GhostBatchNormTest {

    private static final double TOLERANCE = 1e-12;
    private static final LayerWorkspaceMgr WS = LayerWorkspaceMgr.noWorkspaces();

    @ParameterizedTest(name = "{0}, n={1}, v={2}")
    @CsvSource({"NCHW, 8, 3", "NHWC, 8, 3", "NCHW, 6, 2", "NCHW, 5, 5", "NHWC, 4, 7"})
    void equalsPlainBatchNormOnEachVirtualBatch(CNN2DFormat format, int n, int v) {
        long[] shape = format == CNN2DFormat.NCHW ? new long[] {n, 3, 2, 2} : new long[] {n, 2, 2, 3};
        Nd4j.getRandom().setSeed(n * 31L + v);
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape).muli(2).addi(0.5);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, shape);
        SyncBatchNormalizationLayer ghost = layer(format, v);
        ghost.setInput(x, WS);
        INDArray y = ghost.activate(true, WS).dup();
        Pair<Gradient, INDArray> back = ghost.backpropGradient(dy, WS);

        List<Executable> checks = new ArrayList<>();
        double[] dGamma = new double[3];
        double[] dBeta = new double[3];
        double[] runningMean = new double[3];
        double[] runningVar = new double[3];
        int blocks = 0;
        for (int from = 0; from < n; from += v, blocks++) {
            int to = Math.min(n, from + v);
            SyncBatchNormalizationLayer plain = layer(format, 0);
            INDArray xb = x.get(NDArrayIndex.interval(from, to)).dup();
            plain.setInput(xb, WS);
            INDArray yb = plain.activate(true, WS);
            Pair<Gradient, INDArray> bb = plain.backpropGradient(dy.get(NDArrayIndex.interval(from, to)).dup(), WS);
            int f = from;
            checks.add(close(yb, y.get(NDArrayIndex.interval(from, to)), "y of block from " + f));
            checks.add(close(bb.getSecond(), back.getSecond().get(NDArrayIndex.interval(from, to)),
                    "dx of block from " + f));
            add(dGamma, bb.getFirst().getGradientFor("gamma"));
            add(dBeta, bb.getFirst().getGradientFor("beta"));
            add(runningMean, plain.getParam("mean"));
            add(runningVar, plain.getParam("var"));
        }
        int k = blocks;
        checks.add(close(dGamma, vector(back.getFirst().getGradientFor("gamma")), "dgamma summed over blocks"));
        checks.add(close(dBeta, vector(back.getFirst().getGradientFor("beta")), "dbeta summed over blocks"));
        checks.add(close(scaled(runningMean, k), vector(ghost.getParam("mean")), "running mean"));
        checks.add(close(scaled(runningVar, k), vector(ghost.getParam("var")), "running variance"));
        checks.add(() -> assertEquals(n * 4L, ghost.lastLocalMoments().count(), "the shard's values per channel"));
        assertAll(checks);
    }

    @Test
    void aVirtualBatchWithOneValuePerChannelIsRefused() {
        SyncBatchNormalizationLayer dense = SyncBatchNorm.standalone(new SyncBatchNormalization.Builder().nIn(4)
                .nOut(4).virtualBatchSize(3).name("ghost").build(), DataType.DOUBLE);
        dense.setInput(Nd4j.rand(DataType.DOUBLE, 7, 4), WS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dense.activate(true, WS));
        assertTrue(e.getMessage().startsWith("SyncBatchNormalization layer \"ghost\" (index 0): batch statistics "
                + "need at least 2 values per channel across all workers that share them, but the batch of 1 "
                + "worker(s) has 1 (this worker's input shape [1, 4])"), e.getMessage());
    }

    @Test
    void aNegativeVirtualBatchSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyncBatchNormalization.Builder().virtualBatchSize(-2).build());
        assertEquals("virtualBatchSize must be at least 1 (examples per ghost batch), or 0 for none, but got -2",
                e.getMessage());
    }

    private static SyncBatchNormalizationLayer layer(CNN2DFormat format, int v) {
        SyncBatchNormalizationLayer l = SyncBatchNorm.standalone(new SyncBatchNormalization.Builder().nIn(3).nOut(3)
                .dataFormat(format).decay(0.7).virtualBatchSize(v).build(), DataType.DOUBLE);
        l.setParam("gamma", Nd4j.createFromArray(new double[][] {{1.5, 0.5, -1.0}}));
        l.setParam("beta", Nd4j.createFromArray(new double[][] {{0.1, -0.2, 0.3}}));
        l.setParam("mean", Nd4j.createFromArray(new double[][] {{0.4, 0.0, -0.4}}));
        l.setParam("var", Nd4j.createFromArray(new double[][] {{2.0, 1.0, 0.5}}));
        return l;
    }

    private static void add(double[] sum, INDArray values) {
        double[] v = vector(values);
        for (int i = 0; i < sum.length; i++) {
            sum[i] += v[i];
        }
    }

    private static double[] scaled(double[] values, int k) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] / k;
        }
        return out;
    }

    private static double[] vector(INDArray a) {
        return a.dup('c').reshape(-1).toDoubleVector();
    }

    private static Executable close(INDArray expected, INDArray actual, String what) {
        return close(ShardRunner.flat(expected), ShardRunner.flat(actual), what);
    }

    private static Executable close(double[] expected, double[] actual, String what) {
        return () -> {
            double err = ShardRunner.normalizedError(expected, actual);
            assertTrue(err <= TOLERANCE, what + ": normalized error " + err);
        };
    }
}
