package io.syncbn.transport;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.collective.Collective;
import io.syncbn.collective.CollectiveException;
import io.syncbn.collective.Ranks;
import io.syncbn.collective.ReduceOp;
import io.syncbn.stats.ChannelMoments;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The collectives of {@link TcpCollective} over loopback TCP, one thread per rank.
 *
 * <p>Cases of the all-reduce: world sizes 1 (nothing to exchange), 2, 4 and 8 (powers of two), 3, 5
 * and 7 (the non-power-of-two fix-up with 1, 1 and 3 extra ranks); lengths 0 (no values), 1 (fewer
 * values than ring chunks), 37 (odd, chunks of unequal sizes) and 100 003 (large, odd); each with
 * recursive doubling and with the ring forced by the threshold. Values are small dyadic numbers, so
 * every summation order gives the exact sum; random values then check that every rank holds the same
 * bits.
 */
class TcpCollectiveTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final TcpConfig CONFIG = new TcpConfig(JobSecret.random()).withTimeout(TIMEOUT);
    private static final TcpConfig RING = CONFIG.withRingThresholdBytes(0);
    private static final TcpConfig DOUBLING = CONFIG.withRingThresholdBytes(Integer.MAX_VALUE);

    /** Largest error of a random sum relative to {@code 1 + |naive sum|}, in double. */
    private static final double DOUBLE_SUM_TOLERANCE = 1e-13;
    /** The same in float. */
    private static final float FLOAT_SUM_TOLERANCE = 1e-5f;
    /** Largest error of merged moments relative to {@code 1 + |expected|}. */
    private static final double MOMENT_TOLERANCE = 1e-10;

    static Stream<Arguments> sizesLengthsAlgorithms() {
        List<Arguments> cases = new ArrayList<>();
        for (int p : new int[] {1, 2, 3, 4, 5, 7, 8}) {
            for (int n : new int[] {0, 1, 37, 100_003}) {
                cases.add(Arguments.of(p, n, "ring"));
                cases.add(Arguments.of(p, n, "recursive doubling"));
            }
        }
        return cases.stream();
    }

    /** A small dyadic value: every sum of up to 8 of them is exact in float and double. */
    private static double exactValue(int rank, int i) {
        return ((rank + 1) * 31 + i * 7) % 1024 - 512 + 0.25 * rank;
    }

    @ParameterizedTest(name = "p={0}, n={1}, {2}")
    @MethodSource("sizesLengthsAlgorithms")
    void allReduceSumsExactlyAndIdenticallyOnEveryRank(int p, int n, String algorithm) {
        TcpConfig config = algorithm.equals("ring") ? RING : DOUBLING;
        List<Object[]> results = Loopback.values(config, p, c -> {
            double[] exactD = new double[n];
            float[] exactF = new float[n];
            for (int i = 0; i < n; i++) {
                exactD[i] = exactValue(c.rank(), i);
                exactF[i] = (float) exactValue(c.rank(), i);
            }
            double[] randomD = new Random(c.rank()).doubles(n, -1, 1).toArray();
            float[] randomF = new float[n];
            Random random = new Random(100 + c.rank());
            for (int i = 0; i < n; i++) {
                randomF[i] = random.nextFloat() * 2 - 1;
            }
            c.allReduceSum(exactD);
            c.allReduceSum(exactF);
            c.allReduceSum(randomD);
            c.allReduceSum(randomF);
            return new Object[] {exactD, exactF, randomD, randomF};
        });

        double[] expected = new double[n];
        double[] naiveD = new double[n];
        float[] naiveF = new float[n];
        for (int r = 0; r < p; r++) {
            double[] randomD = new Random(r).doubles(n, -1, 1).toArray();
            Random random = new Random(100 + r);
            for (int i = 0; i < n; i++) {
                expected[i] += exactValue(r, i);
                naiveD[i] += randomD[i];
                naiveF[i] += random.nextFloat() * 2 - 1;
            }
        }
        float[] expectedF = new float[n];
        for (int i = 0; i < n; i++) {
            expectedF[i] = (float) expected[i];
        }
        List<Executable> checks = new ArrayList<>();
        for (int r = 0; r < p; r++) {
            Object[] mine = results.get(r);
            String where = "rank " + r + " of " + p + ", n = " + n + ", " + algorithm;
            checks.add(() -> assertArrayEquals(expected, (double[]) mine[0], where + ": exact double sum"));
            checks.add(() -> assertArrayEquals(expectedF, (float[]) mine[1], where + ": exact float sum"));
            checks.add(() -> assertTrue(Arrays.equals((double[]) results.get(0)[2], (double[]) mine[2]),
                    where + ": random double sum differs from rank 0's bits"));
            checks.add(() -> assertTrue(Arrays.equals((float[]) results.get(0)[3], (float[]) mine[3]),
                    where + ": random float sum differs from rank 0's bits"));
        }
        double[] randomD = (double[]) results.get(0)[2];
        float[] randomF = (float[]) results.get(0)[3];
        for (int i = 0; i < n; i++) {
            double d = Math.abs(randomD[i] - naiveD[i]) / (1 + Math.abs(naiveD[i]));
            double f = Math.abs(randomF[i] - naiveF[i]) / (1 + Math.abs(naiveF[i]));
            if (d > DOUBLE_SUM_TOLERANCE || f > FLOAT_SUM_TOLERANCE) {
                int at = i;
                checks.add(() -> assertTrue(false, "element " + at + ": double error " + d + ", float error " + f));
                break;
            }
        }
        assertAll(checks);
    }

    /**
     * Chan's merge of per-rank moments ({@link ChannelMoments#MERGE}) with uneven shards and an empty
     * one: the result equals the moments of all the data, with the same bits on every rank.
     */
    @ParameterizedTest(name = "p={0}")
    @ValueSource(ints = {2, 3, 5, 8})
    void mergeOfMomentsMatchesTheMomentsOfAllData(int p) {
        int channels = 16;
        int inner = 3;
        List<double[]> shards = new ArrayList<>();
        for (int r = 0; r < p; r++) {
            int rows = r == 1 ? 0 : 2 + 3 * r;
            shards.add(new Random(7 * r).doubles((long) rows * channels * inner, -3, 5 + r).toArray());
        }
        List<double[]> merged = Loopback.values(CONFIG, p, c -> {
            double[] packed = ChannelMoments.of(shards.get(c.rank()), channels, inner).pack();
            c.allReduce(packed, ChannelMoments.MERGE);
            return packed;
        });
        double[] all = shards.stream().flatMapToDouble(Arrays::stream).toArray();
        double[] expected = ChannelMoments.of(all, channels, inner).pack();
        List<Executable> checks = new ArrayList<>();
        for (int r = 0; r < p; r++) {
            double[] actual = merged.get(r);
            int rank = r;
            checks.add(() -> assertTrue(Arrays.equals(merged.get(0), actual),
                    "rank " + rank + " holds other bits than rank 0"));
            for (int i = 0; i < expected.length; i++) {
                double error = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
                int at = i;
                checks.add(() -> assertTrue(error <= MOMENT_TOLERANCE,
                        "rank " + rank + ", packed element " + at + ": " + actual[at] + " vs " + expected[at]));
            }
        }
        assertAll(checks);
    }

    /**
     * Results do not depend on the order in which ranks arrive: two runs with the same data and
     * different random delays before every call give the same bits.
     */
    @Test
    void resultsDoNotDependOnArrivalOrder() {
        int p = 5;
        List<List<double[]>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            long seed = run;
            runs.add(Loopback.values(CONFIG.withRingThresholdBytes(4096), p, c -> {
                Random delays = new Random(seed * 100 + c.rank());
                double[] small = new Random(c.rank()).doubles(33, -1, 1).toArray();
                double[] large = new Random(50 + c.rank()).doubles(20_001, -1, 1).toArray();
                double[] moments = ChannelMoments.of(new Random(c.rank()).doubles(40, 0, 9).toArray(), 4, 2).pack();
                Thread.sleep(delays.nextInt(30));
                c.allReduceSum(small);
                Thread.sleep(delays.nextInt(30));
                c.allReduceSum(large);
                Thread.sleep(delays.nextInt(30));
                c.allReduce(moments, ChannelMoments.MERGE);
                double[] all = new double[small.length + large.length + moments.length];
                System.arraycopy(small, 0, all, 0, small.length);
                System.arraycopy(large, 0, all, small.length, large.length);
                System.arraycopy(moments, 0, all, small.length + large.length, moments.length);
                return all;
            }));
        }
        for (int r = 0; r < p; r++) {
            assertTrue(Arrays.equals(runs.get(0).get(0), runs.get(1).get(r)),
                    "rank " + r + " of the second run holds other bits than rank 0 of the first");
        }
    }

    /** Groups of consecutive ranks reduce among themselves only, and the whole job still works after. */
    @Test
    void groupsReduceOnlyAmongTheirMembers() {
        int p = 8;
        List<double[]> results = Loopback.values(CONFIG, p, c -> {
            Collective fours = c.split(4);
            Collective pairs = c.split(2);
            double[] inFours = {c.rank(), 1};
            double[] inPairs = new double[70_000];
            Arrays.fill(inPairs, c.rank());
            fours.allReduceSum(inFours);
            pairs.allReduceSum(inPairs);
            fours.barrier();
            double[] world = {c.rank()};
            c.allReduceSum(world);
            pairs.close();
            fours.close();
            return new double[] {fours.rank(), fours.worldSize(), inFours[0], inFours[1], pairs.rank(),
                    pairs.worldSize(), inPairs[0], inPairs[inPairs.length - 1], world[0]};
        });
        List<Executable> checks = new ArrayList<>();
        for (int r = 0; r < p; r++) {
            int four = r / 4;
            int pair = r / 2;
            double fourSum = 4 * (4 * four) + 6;
            double pairSum = 2 * (2 * pair) + 1;
            double[] expected = {r % 4, 4, fourSum, 4, r % 2, 2, pairSum, pairSum, 28};
            double[] actual = results.get(r);
            int rank = r;
            checks.add(() -> assertArrayEquals(expected, actual,
                    "rank " + rank + ": [rank, size, sum, count] in fours, [rank, size, first, last] in pairs, world sum"));
        }
        assertAll(checks);
    }

    @ParameterizedTest(name = "p={0}")
    @ValueSource(ints = {1, 2, 3, 5, 8})
    void barrierReturnsOnlyAfterEveryRankArrived(int p) {
        List<long[]> times = Loopback.values(CONFIG, p, c -> {
            Thread.sleep(15L * c.rank());
            long arrived = System.nanoTime();
            c.barrier();
            return new long[] {arrived, System.nanoTime()};
        });
        long lastArrival = times.stream().mapToLong(t -> t[0]).max().orElseThrow();
        for (int r = 0; r < p; r++) {
            assertTrue(times.get(r)[1] >= lastArrival, "rank " + r + " left the barrier before the last rank arrived");
        }
    }

    @ParameterizedTest(name = "p={0}")
    @ValueSource(ints = {1, 2, 3, 5, 8})
    void allGatherCollectsPayloadsOfDifferentSizes(int p) {
        List<List<byte[]>> gathered = Loopback.values(CONFIG, p, c -> {
            byte[] payload = new byte[c.rank()];
            Arrays.fill(payload, (byte) c.rank());
            return c.allGather(payload);
        });
        List<Executable> checks = new ArrayList<>();
        for (int k = 0; k < p; k++) {
            for (int r = 0; r < p; r++) {
                byte[] expected = new byte[r];
                Arrays.fill(expected, (byte) r);
                byte[] actual = gathered.get(k).get(r);
                String where = "payload of rank " + r + " as seen by rank " + k;
                checks.add(() -> assertArrayEquals(expected, actual, where));
            }
        }
        assertAll(checks);
    }

    static Stream<Arguments> broadcastCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int p : new int[] {1, 2, 3, 5, 8}) {
            for (int root : new int[] {0, p - 1}) {
                for (int n : new int[] {0, 1, 300_001}) {
                    cases.add(Arguments.of(p, root, n, "chain"));
                    cases.add(Arguments.of(p, root, n, "binomial tree"));
                }
            }
        }
        return cases.stream().distinct();
    }

    @ParameterizedTest(name = "p={0}, root={1}, n={2}, {3}")
    @MethodSource("broadcastCases")
    void broadcastCopiesTheRootsValuesEverywhere(int p, int root, int n, String algorithm) {
        TcpConfig config = CONFIG.withChainThresholdBytes(algorithm.equals("chain") ? 0 : Integer.MAX_VALUE);
        List<Object[]> results = Loopback.values(config, p, c -> {
            double[] d = new Random(c.rank()).doubles(n).toArray();
            float[] f = new float[n];
            Arrays.fill(f, c.rank());
            c.broadcast(d, root);
            c.broadcast(f, root);
            return new Object[] {d, f};
        });
        double[] expectedD = new Random(root).doubles(n).toArray();
        float[] expectedF = new float[n];
        Arrays.fill(expectedF, root);
        List<Executable> checks = new ArrayList<>();
        for (int r = 0; r < p; r++) {
            Object[] mine = results.get(r);
            String where = "rank " + r + " of " + p + ", root " + root + ", n = " + n + ", " + algorithm;
            checks.add(() -> assertArrayEquals(expectedD, (double[]) mine[0], where + ": doubles"));
            checks.add(() -> assertArrayEquals(expectedF, (float[]) mine[1], where + ": floats"));
        }
        assertAll(checks);
    }

    @Test
    void ranksThatPassDifferentLengthsAllFailNamingTheRule() {
        List<Ranks.Outcome<Object>> outcomes = Loopback.run(CONFIG, 3, c -> {
            c.allReduceSum(new double[c.rank() == 2 ? 5 : 4]);
            return null;
        });
        for (Ranks.Outcome<Object> o : outcomes) {
            assertTrue(o.error() instanceof CollectiveException, "rank " + o.rank() + " threw " + o.error());
            assertTrue(o.error().getMessage().contains("every rank must pass arrays of the same length"),
                    "rank " + o.rank() + ": " + o.error().getMessage());
        }
    }

    @Test
    void aCustomOperatorNeverTakesTheRing() {
        // Chan's merge reads the count at index 0 for every element: a chunked ring would corrupt it.
        double[][] results = Loopback.values(RING, 4, c -> {
            double[] packed = ChannelMoments.of(new double[] {c.rank(), c.rank() + 2.0}, 1, 1).pack();
            c.allReduce(packed, ChannelMoments.MERGE);
            return packed;
        }).toArray(new double[0][]);
        double[] expected = ChannelMoments.of(new double[] {0, 2, 1, 3, 2, 4, 3, 5}, 1, 1).pack();
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(expected, results[r], 1e-12, "rank " + r);
        }
    }

    @Test
    void anOperatorThatKeepsItsAccumulatorYieldsRankZerosValues() {
        // A non-commutative operator reveals the order: "keep the accumulator" must yield rank 0's values.
        ReduceOp keepAccumulator = (acc, other) -> { };
        List<double[]> results = Loopback.values(CONFIG, 7, c -> {
            double[] data = {c.rank(), -c.rank()};
            c.allReduce(data, keepAccumulator);
            return data;
        });
        for (int r = 0; r < 7; r++) {
            assertArrayEquals(new double[] {0, 0}, results.get(r), "rank " + r);
        }
    }

    @Test
    void toStringNamesTheRankAndNeverTheSecret() {
        JobSecret secret = JobSecret.random();
        TcpConfig config = new TcpConfig(secret).withTimeout(TIMEOUT);
        List<String> texts = Loopback.values(config, 2, c -> c + " " + c.split(1) + " " + config);
        assertEquals(2, texts.size());
        for (String text : texts) {
            assertTrue(text.contains("TcpCollective[rank ") && text.contains("JobSecret[hidden]"), text);
        }
    }
}
