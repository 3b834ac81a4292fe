package io.syncbn.testing;

import io.syncbn.collective.InProcessGroup;
import io.syncbn.fixtures.LayerStep;
import io.syncbn.nn.SyncBatchNorm;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.nn.params.SyncBatchNormParamInitializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Drives one layer per worker through eval, training forward and backward, joined in-process. */
public final class ShardRunner {

    /** Per-channel parameters and running statistics to start from. */
    public record Params(double[] gamma, double[] beta, double[] runningMean, double[] runningVar) {

        /** Random parameters for {@code channels} channels. */
        public static Params random(Random rnd, int channels) {
            double[] g = new double[channels];
            double[] b = new double[channels];
            double[] m = new double[channels];
            double[] v = new double[channels];
            for (int c = 0; c < channels; c++) {
                g[c] = 0.5 + rnd.nextDouble();
                b[c] = rnd.nextGaussian();
                m[c] = rnd.nextGaussian() * 0.1;
                v[c] = 0.5 + rnd.nextDouble();
            }
            return new Params(g, b, m, v);
        }
    }

    /** One worker's input: shape (batch first) and row-major values of x and dy. */
    public record Shard(long[] shape, double[] x, double[] dy) {

        /** Number of values. */
        public int length() {
            return x.length;
        }
    }

    /** What one worker's layer produced. */
    public record Output(double[] evalY, double[] y, double[] dx, double[] dgamma, double[] dbeta,
            double[] runningMean, double[] runningVar) {
    }

    private ShardRunner() {
    }

    /** Runs every shard on its own layer and thread, joined by an in-process group. */
    public static List<Output> run(SyncBatchNormalization conf, DataType dataType, Params params, List<Shard> shards) {
        return InProcessGroup.runEach(shards.size(), Duration.ofSeconds(60), collective -> {
            SyncBatchNormalizationLayer layer = layer(conf, dataType, params);
            layer.setCollective(collective);
            return step(layer, shards.get(collective.rank()), dataType);
        });
    }

    /** A standalone layer holding {@code params}. */
    public static SyncBatchNormalizationLayer layer(SyncBatchNormalization conf, DataType dataType, Params params) {
        SyncBatchNormalizationLayer layer = SyncBatchNorm.standalone(conf.clone(), dataType);
        if (conf.hasGammaParam()) {
            layer.setParam(SyncBatchNormParamInitializer.GAMMA, row(params.gamma(), dataType));
        }
        if (conf.hasBetaParam()) {
            layer.setParam(SyncBatchNormParamInitializer.BETA, row(params.beta(), dataType));
        }
        layer.setParam(SyncBatchNormParamInitializer.GLOBAL_MEAN, row(params.runningMean(), dataType));
        layer.setParam(SyncBatchNormParamInitializer.GLOBAL_VAR, row(params.runningVar(), dataType));
        return layer;
    }

    /** Eval forward, training forward and backward of one shard. */
    public static Output step(SyncBatchNormalizationLayer layer, Shard shard, DataType dataType) {
        LayerStep r = LayerStep.run(layer, array(shard.x(), shard.shape(), dataType),
                array(shard.dy(), shard.shape(), dataType));
        return new Output(r.evalY(), r.y(), r.dx(), r.dgamma(), r.dbeta(), r.runningMean(), r.runningVar());
    }

    /** The shards concatenated along the batch axis (row-major, batch first: the flat arrays concatenate). */
    public static Shard concat(List<Shard> shards) {
        long[] shape = shards.get(0).shape().clone();
        shape[0] = 0;
        int total = 0;
        for (Shard s : shards) {
            shape[0] += s.shape()[0];
            total += s.length();
        }
        double[] x = new double[total];
        double[] dy = new double[total];
        int at = 0;
        for (Shard s : shards) {
            System.arraycopy(s.x(), 0, x, at, s.length());
            System.arraycopy(s.dy(), 0, dy, at, s.length());
            at += s.length();
        }
        return new Shard(shape, x, dy);
    }

    /** Random shards with the given batch sizes and per-example shape; x = offset + spread * N(0, 1). */
    public static List<Shard> randomShards(Random rnd, int[] batchSizes, long[] exampleShape, double offset,
            double spread) {
        List<Shard> shards = new ArrayList<>();
        for (int b : batchSizes) {
            long[] shape = new long[exampleShape.length + 1];
            shape[0] = b;
            System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
            int n = (int) Arrays.stream(shape).reduce(1, (p, q) -> p * q);
            double[] x = new double[n];
            double[] dy = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = offset + spread * rnd.nextGaussian();
                dy[i] = rnd.nextGaussian();
            }
            shards.add(new Shard(shape, x, dy));
        }
        return shards;
    }

    /** A slice {@code [from, from + length)} of {@code values}. */
    public static double[] slice(double[] values, int from, int length) {
        return Arrays.copyOfRange(values, from, from + length);
    }

    /** {@code max|a - e| / (1 + max|e|)}. */
    public static double normalizedError(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            return Double.POSITIVE_INFINITY;
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / (1 + scale);
    }

    /** An array of {@code dataType} with {@code values} in row-major {@code shape}; empty shapes allowed. */
    public static INDArray array(double[] values, long[] shape, DataType dataType) {
        if (values.length == 0) {
            return Nd4j.create(dataType, shape);
        }
        return Nd4j.create(values, shape, DataType.DOUBLE).castTo(dataType);
    }

    /** Row-major values of {@code array} as doubles. */
    public static double[] flat(INDArray array) {
        return LayerStep.flat(array);
    }

    private static INDArray row(double[] values, DataType dataType) {
        return Nd4j.create(values, new long[] {1, values.length}, DataType.DOUBLE).castTo(dataType);
    }
}
