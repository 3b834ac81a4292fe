package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.collective.InProcessGroup;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Batch renormalization (Ioffe 2017) against a reference written here from the paper's Algorithm 1
 * and Keras's conventions, in float64 on random NCHW inputs over several steps, with some channels'
 * corrections clipped and some not (1e-10); rMax = 1, dMax = 0 trains bit for bit as plain BN; two
 * ranks equal one process on the concatenation; the ramp; the refusals.
 */
class BatchRenormTest {

    private static final double TOLERANCE = 1e-10;
    private static final LayerWorkspaceMgr WS = LayerWorkspaceMgr.noWorkspaces();
    private static final int N = 6;
    private static final int C = 3;
    private static final int HW = 4;
    private static final double EPS = 1e-3;
    private static final double DECAY = 0.8;
    private static final double MOMENTUM = 0.9;
    private static final double R_MAX = 1.5;
    private static final double D_MAX = 0.3;
    /** Per-channel scale and offset of the inputs: channel 0 within the bounds, 1 beyond them, 2 near. */
    private static final double[] SCALE = {0.9, 2.5, 1.1};
    private static final double[] OFFSET = {0.1, 1.0, -0.05};

    private static SyncBatchNormalizationLayer layer(double rMax, double dMax) {
        SyncBatchNormalization conf = new SyncBatchNormalization.Builder().nIn(C).nOut(C).eps(EPS).decay(DECAY)
                .renorm(rMax, dMax, 0).renormMomentum(MOMENTUM).name("renorm").build();
        SyncBatchNormalizationLayer l = SyncBatchNorm.standalone(conf, DataType.DOUBLE);
        l.setParam("gamma", Nd4j.createFromArray(new double[][] {{1.3, 0.7, -0.4}}));
        l.setParam("beta", Nd4j.createFromArray(new double[][] {{0.2, -0.5, 0.1}}));
        return l;
    }

    private static INDArray input(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, C, 2, 2);
        for (int c = 0; c < C; c++) {
            INDArray channel = x.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all());
            channel.muli(SCALE[c]).addi(OFFSET[c]);
        }
        return x;
    }

    /** The reference: Algorithm 1 of the paper, per channel, with Keras's average and running updates. */
    private static final class Reference {
        final double[] gamma = {1.3, 0.7, -0.4};
        final double[] beta = {0.2, -0.5, 0.1};
        final double[] mu = new double[C];
        final double[] sigma = {1, 1, 1};
        final double[] runningMean = new double[C];
        final double[] runningVar = {1, 1, 1};
        double[] y;
        double[] dx;
        double[] dGamma;
        double[] dBeta;
        int clipped;
        int free;

        void step(double[] x, double[] dy) {
            y = new double[x.length];
            dx = new double[x.length];
            dGamma = new double[C];
            dBeta = new double[C];
            int m = N * HW;
            for (int c = 0; c < C; c++) {
                double meanB = 0;
                for (int i = 0; i < N; i++) {
                    for (int k = 0; k < HW; k++) {
                        meanB += x[at(i, c, k)];
                    }
                }
                meanB /= m;
                double varB = 0;
                for (int i = 0; i < N; i++) {
                    for (int k = 0; k < HW; k++) {
                        varB += (x[at(i, c, k)] - meanB) * (x[at(i, c, k)] - meanB);
                    }
                }
                varB /= m;
                double sigmaB = Math.sqrt(varB + EPS);
                double s = Math.max(sigma[c], Math.sqrt(EPS));
                double rRaw = sigmaB / s;
                double dRaw = (meanB - mu[c]) / s;
                double r = Math.min(R_MAX, Math.max(1 / R_MAX, rRaw));
                double d = Math.min(D_MAX, Math.max(-D_MAX, dRaw));
                if (r != rRaw || d != dRaw) {
                    clipped++;
                } else {
                    free++;
                }
                double sumG = 0;
                double sumGXhat = 0;
                for (int i = 0; i < N; i++) {
                    for (int k = 0; k < HW; k++) {
                        int j = at(i, c, k);
                        double xhat = (x[j] - meanB) / sigmaB;
                        y[j] = gamma[c] * (xhat * r + d) + beta[c];
                        double g = dy[j] * gamma[c] * r;
                        sumG += g;
                        sumGXhat += g * xhat;
                        dGamma[c] += dy[j] * (xhat * r + d);
                        dBeta[c] += dy[j];
                    }
                }
                for (int i = 0; i < N; i++) {
                    for (int k = 0; k < HW; k++) {
                        int j = at(i, c, k);
                        double xhat = (x[j] - meanB) / sigmaB;
                        double g = dy[j] * gamma[c] * r;
                        dx[j] = (g - sumG / m - xhat * sumGXhat / m) / sigmaB;
                    }
                }
                mu[c] = MOMENTUM * mu[c] + (1 - MOMENTUM) * meanB;
                sigma[c] = MOMENTUM * sigma[c] + (1 - MOMENTUM) * sigmaB;
                runningMean[c] = DECAY * runningMean[c] + (1 - DECAY) * mu[c];
                runningVar[c] = DECAY * runningVar[c] + (1 - DECAY) * (sigma[c] * sigma[c] - EPS);
            }
        }

        private static int at(int i, int c, int k) {
            return (i * C + c) * HW + k;
        }
    }

    @Test
    void matchesThePapersAlgorithmOverSeveralSteps() {
        SyncBatchNormalizationLayer layer = layer(R_MAX, D_MAX);
        Reference ref = new Reference();
        List<Executable> checks = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            INDArray x = input(100 + step, N);
            Nd4j.getRandom().setSeed(200 + step);
            INDArray dy = Nd4j.randn(DataType.DOUBLE, N, C, 2, 2);
            layer.setInput(x, WS);
            INDArray y = layer.activate(true, WS).dup();
            Pair<Gradient, INDArray> back = layer.backpropGradient(dy, WS);
            ref.step(flat(x), flat(dy));
            String s = "step " + step + ": ";
            checks.add(close(ref.y, flat(y), s + "y"));
            checks.add(close(ref.dx, flat(back.getSecond()), s + "dx"));
            checks.add(close(ref.dGamma, flat(back.getFirst().getGradientFor("gamma")), s + "dgamma"));
            checks.add(close(ref.dBeta, flat(back.getFirst().getGradientFor("beta")), s + "dbeta"));
            checks.add(close(ref.mu.clone(), flat(layer.getParam("renormMean")), s + "renorm mean"));
            checks.add(close(ref.sigma.clone(), flat(layer.getParam("renormStd")), s + "renorm std"));
            checks.add(close(ref.runningMean.clone(), flat(layer.getParam("mean")), s + "running mean"));
            checks.add(close(ref.runningVar.clone(), flat(layer.getParam("var")), s + "running variance"));
        }
        int clipped = ref.clipped;
        int free = ref.free;
        checks.add(() -> assertTrue(clipped > 0 && free > 0, "the steps clip some channels (" + clipped
                + ") and leave others (" + free + ")"));
        assertAll(checks);
    }

    @Test
    void rMaxOneAndDMaxZeroTrainsExactlyAsPlainBatchNorm() {
        SyncBatchNormalizationLayer renorm = layer(1, 0);
        SyncBatchNormalizationLayer plain = SyncBatchNorm.standalone(new SyncBatchNormalization.Builder().nIn(C)
                .nOut(C).eps(EPS).decay(DECAY).build(), DataType.DOUBLE);
        plain.setParam("gamma", renorm.getParam("gamma").dup());
        plain.setParam("beta", renorm.getParam("beta").dup());
        List<Executable> checks = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            INDArray x = input(300 + step, N);
            INDArray dy = Nd4j.randn(DataType.DOUBLE, N, C, 2, 2);
            renorm.setInput(x, WS);
            plain.setInput(x, WS);
            INDArray a = renorm.activate(true, WS).dup();
            INDArray b = plain.activate(true, WS).dup();
            Pair<Gradient, INDArray> ga = renorm.backpropGradient(dy, WS);
            Pair<Gradient, INDArray> gb = plain.backpropGradient(dy, WS);
            String s = "step " + step + ": ";
            checks.add(() -> assertArrayEquals(flat(b), flat(a), s + "y, bit for bit"));
            checks.add(() -> assertArrayEquals(flat(gb.getSecond()), flat(ga.getSecond()), s + "dx, bit for bit"));
            checks.add(() -> assertArrayEquals(flat(gb.getFirst().getGradientFor("gamma")),
                    flat(ga.getFirst().getGradientFor("gamma")), s + "dgamma, bit for bit"));
            checks.add(() -> assertArrayEquals(flat(gb.getFirst().getGradientFor("beta")),
                    flat(ga.getFirst().getGradientFor("beta")), s + "dbeta, bit for bit"));
        }
        assertAll(checks);
    }

    @Test
    void twoRanksEqualOneProcessOnTheConcatenation() {
        INDArray x = input(400, 2 * N);
        Nd4j.getRandom().setSeed(401);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, 2 * N, C, 2, 2);
        SyncBatchNormalizationLayer whole = layer(R_MAX, D_MAX);
        whole.setInput(x, WS);
        INDArray y = whole.activate(true, WS).dup();
        Pair<Gradient, INDArray> back = whole.backpropGradient(dy, WS);

        List<double[][]> ranks = InProcessGroup.runEach(2, InProcessGroup.DEFAULT_TIMEOUT, collective -> {
            SyncBatchNormalizationLayer l = layer(R_MAX, D_MAX);
            l.setCollective(collective);
            int r = collective.rank();
            INDArray xr = x.get(NDArrayIndex.interval(r * N, (r + 1) * N)).dup();
            l.setInput(xr, WS);
            INDArray yr = l.activate(true, WS).dup();
            Pair<Gradient, INDArray> br = l.backpropGradient(dy.get(NDArrayIndex.interval(r * N, (r + 1) * N)).dup(), WS);
            return new double[][] {flat(yr), flat(br.getSecond()), flat(br.getFirst().getGradientFor("gamma")),
                flat(l.getParam("renormMean")), flat(l.getParam("renormStd")), flat(l.getParam("var"))};
        });
        List<Executable> checks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int rank = r;
            INDArray part = NDArrayIndexRows.rows(y, r * N, (r + 1) * N);
            checks.add(close(flat(part), ranks.get(r)[0], "y of rank " + rank));
            checks.add(close(flat(NDArrayIndexRows.rows(back.getSecond(), r * N, (r + 1) * N)), ranks.get(r)[1],
                    "dx of rank " + rank));
            checks.add(close(flat(whole.getParam("renormMean")), ranks.get(r)[3], "renorm mean of rank " + rank));
            checks.add(close(flat(whole.getParam("renormStd")), ranks.get(r)[4], "renorm std of rank " + rank));
            checks.add(close(flat(whole.getParam("var")), ranks.get(r)[5], "running variance of rank " + rank));
        }
        double[] dGamma = new double[C];
        for (int c = 0; c < C; c++) {
            dGamma[c] = ranks.get(0)[2][c] + ranks.get(1)[2][c];
        }
        checks.add(close(flat(back.getFirst().getGradientFor("gamma")), dGamma, "dgamma summed over ranks"));
        assertAll(checks);
    }

    /** Rows {@code [from, to)} of an array. */
    private static final class NDArrayIndexRows {
        static INDArray rows(INDArray a, int from, int to) {
            return a.get(NDArrayIndex.interval(from, to)).dup();
        }
    }

    @Test
    void theBoundsRampFromPlainBatchNorm() {
        SyncBatchNormalization conf = new SyncBatchNormalization.Builder().nIn(2).nOut(2).renorm(3, 5, 100).build();
        assertAll(
                () -> assertArrayEquals(new double[] {1, 0}, conf.renormBounds(0)),
                () -> assertArrayEquals(new double[] {2, 2.5}, conf.renormBounds(50)),
                () -> assertArrayEquals(new double[] {3, 5}, conf.renormBounds(100)),
                () -> assertArrayEquals(new double[] {3, 5}, conf.renormBounds(1000)),
                () -> assertEquals(6 * 2, conf.initializer().numParams(
                        new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().layer(conf).build()),
                        "gamma, beta, mean, var, renormMean, renormStd"));
    }

    @Test
    void refusesBoundsOutsideTheirRulesAndGhostBatches() {
        assertAll(
                () -> assertEquals("renorm rMax must be a finite number >= 1 (r is clipped to [1/rMax, rMax]; 1 with "
                        + "dMax 0 is plain BN), or 0 for no batch renormalization, but got 0.5", assertThrows(
                                IllegalArgumentException.class, () -> new SyncBatchNormalization.Builder()
                                        .renorm(0.5, 1, 0).build()).getMessage()),
                () -> assertEquals("renorm dMax must be a finite number >= 0 (d is clipped to [-dMax, dMax]), but got "
                        + "-1.0", assertThrows(IllegalArgumentException.class, () -> new SyncBatchNormalization.Builder()
                                .renorm(2, -1, 0).build()).getMessage()),
                () -> assertEquals("batch renormalization (rMax 2.0) and ghost batch normalization (virtualBatchSize 4) "
                        + "cannot be combined; use one of them", assertThrows(IllegalArgumentException.class,
                                () -> new SyncBatchNormalization.Builder().renorm(2, 1, 0).virtualBatchSize(4).build())
                                .getMessage()));
    }

    private static double[] flat(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector();
    }

    private static Executable close(double[] expected, double[] actual, String what) {
        return () -> {
            assertEquals(expected.length, actual.length, what + ": length");
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            double w = worst;
            assertTrue(w <= TOLERANCE, what + ": largest difference " + w + "\nexpected " + Arrays.toString(expected)
                    + "\nactual   " + Arrays.toString(actual));
        };
    }
}
