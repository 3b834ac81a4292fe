package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.testing.ShardRunner;
import io.syncbn.testing.ShardRunner.Output;
import io.syncbn.testing.ShardRunner.Params;
import io.syncbn.testing.ShardRunner.Shard;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Property: N workers with synchronized statistics compute exactly what one worker computes on the
 * concatenation of their shards — outputs, input gradients, summed gamma/beta gradients and running
 * statistics — for random shapes, layouts and splits over 1 to 8 workers, uneven and with empty
 * shards.
 */
class SyncBatchNormPropertyTest {

    /** float64: the two computations differ only by summation order. */
    private static final double DOUBLE_TOLERANCE = 1e-9;
    /** float32 storage, double statistics: relative to the magnitude of the values. */
    private static final double FLOAT_TOLERANCE = 1e-4;

    private static final int CASES_PER_TYPE = 40;

    /** A random case: layout, shapes and split. */
    record Case(int seed, DataType dataType, String layout, SyncBatchNormalization conf, long[] exampleShape,
            int[] batchSizes) {
        @Override
        public String toString() {
            return "seed " + seed + " " + dataType + " " + layout + " example " + Arrays.toString(exampleShape)
                    + " split " + Arrays.toString(batchSizes);
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (int seed = 0; seed < CASES_PER_TYPE; seed++) {
                out.add(Arguments.of(randomCase(seed, dt)));
            }
        }
        return out.stream();
    }

    static Case randomCase(int seed, DataType dataType) {
        Random rnd = new Random(seed * 7919L + dataType.ordinal());
        int channels = 1 + rnd.nextInt(6);
        String[] layouts = {"NC", "NCW", "NWC(axis)", "NCHW", "NHWC", "NCDHW", "NDHWC"};
        String layout = layouts[seed % layouts.length];
        SyncBatchNormalization.Builder b = new SyncBatchNormalization.Builder().nIn(channels).nOut(channels)
                .decay(0.5 + 0.5 * rnd.nextDouble()).eps(Math.pow(10, -1 - 4 * rnd.nextDouble()));
        long[] example;
        switch (layout) {
            case "NC":
                example = new long[] {channels};
                break;
            case "NCW":
                example = new long[] {channels, 1 + rnd.nextInt(5)};
                break;
            case "NWC(axis)":
                example = new long[] {1 + rnd.nextInt(5), channels};
                b.axis(2);
                break;
            case "NCHW":
                example = new long[] {channels, 1 + rnd.nextInt(4), 1 + rnd.nextInt(4)};
                b.dataFormat(CNN2DFormat.NCHW);
                break;
            case "NHWC":
                example = new long[] {1 + rnd.nextInt(4), 1 + rnd.nextInt(4), channels};
                b.dataFormat(CNN2DFormat.NHWC);
                break;
            case "NCDHW":
                example = new long[] {channels, 1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
                b.dataFormat(Convolution3D.DataFormat.NCDHW);
                break;
            default:
                example = new long[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(3), channels};
                b.dataFormat(Convolution3D.DataFormat.NDHWC);
                break;
        }
        int workers = 1 + rnd.nextInt(8);
        int[] split = new int[workers];
        int global = 0;
        for (int k = 0; k < workers; k++) {
            split[k] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(4);
            global += split[k];
        }
        long perExample = Arrays.stream(example).reduce(1, (p, q) -> p * q) / channels;
        while (global * perExample < 2) {
            split[rnd.nextInt(workers)]++;
            global++;
        }
        return new Case(seed, dataType, layout, b.build(), example, split);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void workersMatchOneWorkerOnTheConcatenatedBatch(Case c) {
        Random rnd = new Random(c.seed());
        int channels = (int) c.conf().getNOut();
        Params params = Params.random(rnd, channels);
        List<Shard> shards = ShardRunner.randomShards(rnd, c.batchSizes(), c.exampleShape(), 3.0, 2.0);

        List<Output> distributed = ShardRunner.run(c.conf(), c.dataType(), params, shards);
        Output single = ShardRunner.run(c.conf(), c.dataType(), params, List.of(ShardRunner.concat(shards))).get(0);

        double tol = c.dataType() == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
        List<Executable> checks = new ArrayList<>();
        double[] dgamma = new double[channels];
        double[] dbeta = new double[channels];
        int at = 0;
        for (int k = 0; k < shards.size(); k++) {
            Output w = distributed.get(k);
            int len = shards.get(k).length();
            String where = c + ", worker " + k;
            checks.add(close(ShardRunner.slice(single.y(), at, len), w.y(), tol, "y, " + where));
            checks.add(close(ShardRunner.slice(single.dx(), at, len), w.dx(), tol, "dx, " + where));
            checks.add(close(ShardRunner.slice(single.evalY(), at, len), w.evalY(), tol, "eval y, " + where));
            checks.add(close(single.runningMean(), w.runningMean(), tol, "running mean, " + where));
            checks.add(close(single.runningVar(), w.runningVar(), tol, "running var, " + where));
            checks.add(() -> assertArrayEquals(distributed.get(0).runningMean(), w.runningMean(),
                    "running means must be bit-identical on every worker, " + where));
            for (int ch = 0; ch < channels; ch++) {
                dgamma[ch] += w.dgamma()[ch];
                dbeta[ch] += w.dbeta()[ch];
            }
            at += len;
        }
        checks.add(close(single.dgamma(), dgamma, tol, "dgamma summed over workers, " + c));
        checks.add(close(single.dbeta(), dbeta, tol, "dbeta summed over workers, " + c));
        assertAll(checks);
    }

    static Executable close(double[] expected, double[] actual, double tol, String what) {
        return () -> {
            double err = ShardRunner.normalizedError(expected, actual);
            assertTrue(err <= tol, what + ": normalized error " + err + " > " + tol);
        };
    }

}
