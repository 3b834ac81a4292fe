package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.conf.SyncBatchNormalization.RunningVariance;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.testing.Networks;
import io.syncbn.testing.ShardRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * With world size 1 the layer is DL4J's own {@code BatchNormalization}: the same outputs, input
 * gradients, gamma/beta gradients and running statistics (with {@link RunningVariance#BIASED}, DL4J's
 * convention; with the default unbiased update, the running variance differs by exactly Bessel's
 * factor), and the same parameters after several Adam steps inside a network.
 */
class Dl4jEquivalenceTest {

    private static final double DOUBLE_TOLERANCE = 1e-9;
    private static final double FLOAT_TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"NC,DOUBLE", "NCHW,DOUBLE", "NHWC,DOUBLE", "NC,FLOAT", "NCHW,FLOAT", "NHWC,FLOAT"})
    void layerMatchesDl4jLayer(String layout, DataType dt) {
        int channels = 3;
        long[] shape = switch (layout) {
            case "NC" -> new long[] {7, channels};
            case "NCHW" -> new long[] {4, channels, 5, 3};
            default -> new long[] {4, 5, 3, channels};
        };
        CNN2DFormat format = layout.equals("NHWC") ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
        Random rnd = new Random(7);
        ShardRunner.Params p = ShardRunner.Params.random(rnd, channels);
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape).muli(2).addi(1).castTo(dt);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, shape).castTo(dt);
        double decay = 0.7;
        double eps = 1e-3;

        BatchNormalization dl4jConf = new BatchNormalization.Builder().nIn(channels).nOut(channels).decay(decay).eps(eps)
                .dataFormat(format).useLogStd(false).build();
        Layer dl4j = standalone(dl4jConf, dt);
        dl4j.setParam("gamma", row(p.gamma(), dt));
        dl4j.setParam("beta", row(p.beta(), dt));
        dl4j.setParam("mean", row(p.runningMean(), dt));
        dl4j.setParam("var", row(p.runningVar(), dt));
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        dl4j.setInput(x, ws);
        double[] dl4jEval = ShardRunner.flat(dl4j.activate(false, ws));
        dl4j.setInput(x, ws);
        double[] dl4jY = ShardRunner.flat(dl4j.activate(true, ws));
        Pair<Gradient, INDArray> dl4jBack = dl4j.backpropGradient(dy, ws);
        Gradient g = dl4jBack.getFirst();
        // DL4J moves its running statistics through the updater: new = old - gradient (NoOp updater).
        double[] dl4jMean = minus(p.runningMean(), ShardRunner.flat(g.getGradientFor("mean")));
        double[] dl4jVar = minus(p.runningVar(), ShardRunner.flat(g.getGradientFor("var")));

        double tol = dt == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
        List<Executable> checks = new ArrayList<>();
        for (RunningVariance rv : RunningVariance.values()) {
            SyncBatchNormalization conf = new SyncBatchNormalization.Builder().nIn(channels).nOut(channels).decay(decay)
                    .eps(eps).dataFormat(format).runningVariance(rv).build();
            SyncBatchNormalizationLayer ours = ShardRunner.layer(conf, dt, p);
            ShardRunner.Output out = ShardRunner.step(ours, new ShardRunner.Shard(shape, ShardRunner.flat(x),
                    ShardRunner.flat(dy)), dt);
            String where = layout + " " + dt + " " + rv;
            checks.add(close(dl4jEval, out.evalY(), tol, "inference output, " + where));
            checks.add(close(dl4jY, out.y(), tol, "training output, " + where));
            checks.add(close(ShardRunner.flat(dl4jBack.getSecond()), out.dx(), tol, "input gradient, " + where));
            checks.add(close(ShardRunner.flat(g.getGradientFor("gamma")), out.dgamma(), tol, "dgamma, " + where));
            checks.add(close(ShardRunner.flat(g.getGradientFor("beta")), out.dbeta(), tol, "dbeta, " + where));
            checks.add(close(dl4jMean, out.runningMean(), tol, "running mean, " + where));
            double[] expectedVar = dl4jVar.clone();
            if (rv == RunningVariance.UNBIASED) {
                long n = x.length() / channels;
                double[] batchVar = x.castTo(DataType.DOUBLE).var(false, nonChannelAxes(layout)).toDoubleVector();
                for (int c = 0; c < channels; c++) {
                    expectedVar[c] += (1 - decay) * batchVar[c] * (n / (n - 1.0) - 1);
                }
            }
            checks.add(close(expectedVar, out.runningVar(), tol, "running variance, " + where));
        }
        assertAll(checks);
    }

    @ParameterizedTest
    @EnumSource(Networks.Kind.class)
    void networkTrainsLikeDl4j(Networks.Kind kind) {
        if (kind == Networks.Kind.NCDHW) {
            return; // DL4J's own layer cannot normalize volumes; covered by the gradient check instead.
        }
        DataType dt = DataType.DOUBLE;
        MultiLayerNetwork dl4j = new MultiLayerNetwork(Networks.list(kind, Networks.dl4jBn(), new Adam(0.05), dt, 3));
        dl4j.init();
        MultiLayerNetwork ours = new MultiLayerNetwork(
                Networks.list(kind, Networks.syncBn(RunningVariance.BIASED), new Adam(0.05), dt, 3));
        ours.init(dl4j.params().dup(), true);
        for (int step = 0; step < 5; step++) {
            INDArray f = Networks.features(kind, 6, dt, step);
            INDArray l = Networks.labels(6, dt, step);
            dl4j.fit(f, l);
            ours.fit(f, l);
        }
        INDArray probe = Networks.features(kind, 4, dt, 99);
        assertAll(
                close(ShardRunner.flat(dl4j.params()), ShardRunner.flat(ours.params()), DOUBLE_TOLERANCE,
                        kind + ": parameters (including running statistics) after 5 Adam steps"),
                close(ShardRunner.flat(dl4j.getUpdater().getStateViewArray()),
                        ShardRunner.flat(ours.getUpdater().getStateViewArray()), DOUBLE_TOLERANCE,
                        kind + ": Adam state"),
                close(ShardRunner.flat(dl4j.output(probe)), ShardRunner.flat(ours.output(probe)), DOUBLE_TOLERANCE,
                        kind + ": inference output"));
    }

    static Layer standalone(org.deeplearning4j.nn.conf.layers.Layer conf, DataType dt) {
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(dt).layer(conf).build();
        long n = conf.initializer().numParams(nnc);
        Layer layer = nnc.getLayer().instantiate(nnc, List.of(), 0, Nd4j.create(dt, 1, n), true, dt);
        layer.setBackpropGradientsViewArray(Nd4j.create(dt, 1, n));
        return layer;
    }

    static Executable close(double[] expected, double[] actual, double tol, String what) {
        return () -> {
            double err = ShardRunner.normalizedError(expected, actual);
            assertTrue(err <= tol, what + ": normalized error " + err + " > " + tol);
        };
    }

    private static int[] nonChannelAxes(String layout) {
        return switch (layout) {
            case "NC" -> new int[] {0};
            case "NCHW" -> new int[] {0, 2, 3};
            default -> new int[] {0, 1, 2};
        };
    }

    private static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    private static INDArray row(double[] v, DataType dt) {
        return Nd4j.create(v, new long[] {1, v.length}, DataType.DOUBLE).castTo(dt);
    }
}
