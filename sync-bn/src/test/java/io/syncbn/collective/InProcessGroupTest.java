package io.syncbn.collective;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.stats.ChannelMoments;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The in-process collective: sums for world sizes 1 to 8 and lengths 0 to large; bit-identical
 * results whatever the arrival order; deadlines naming the missing ranks; a rank that leaves; length
 * disagreement; sub-groups.
 */
class InProcessGroupTest {

    private static final Duration SHORT = Duration.ofMillis(300);

    @ParameterizedTest(name = "world size {0}")
    @ValueSource(ints = {1, 2, 3, 5, 8})
    void allReduceSumsInRankOrderOnEveryRank(int world) {
        for (int length : new int[] {0, 1, 7, 10_000}) {
            List<double[]> results = InProcessGroup.runEach(world, Duration.ofSeconds(10), c -> {
                double[] data = contribution(c.rank(), length);
                c.allReduceSum(data);
                return data;
            });
            double[] expected = new double[length];
            for (int r = 0; r < world; r++) {
                double[] d = contribution(r, length);
                for (int i = 0; i < length; i++) {
                    expected[i] += d[i];
                }
            }
            for (int r = 0; r < world; r++) {
                assertArrayEquals(expected, results.get(r), "rank " + r + ", length " + length + ", world " + world);
            }
        }
    }

    @Test
    void resultDoesNotDependOnArrivalOrder() {
        double[][] outcomes = new double[2][];
        for (int trial = 0; trial < 2; trial++) {
            int slowRank = trial == 0 ? 0 : 3;
            List<double[]> results = InProcessGroup.runEach(4, Duration.ofSeconds(10), c -> {
                if (c.rank() == slowRank) {
                    sleep(50);
                }
                double[] data = {0.1 * (c.rank() + 1), 1e16 * (c.rank() % 2 == 0 ? 1 : -1), 1.0 / 3};
                c.allReduce(data, ReduceOp.SUM);
                return data;
            });
            outcomes[trial] = results.get(0);
            for (double[] r : results) {
                assertArrayEquals(results.get(0), r, "ranks must agree bit for bit");
            }
        }
        assertArrayEquals(outcomes[0], outcomes[1], "a different arrival order must not change the bits");
    }

    @Test
    void floatSumAndMomentMerge() {
        List<float[]> sums = InProcessGroup.runEach(3, Duration.ofSeconds(10), c -> {
            float[] data = {c.rank(), 1f};
            c.allReduceSum(data);
            return data;
        });
        List<double[]> moments = InProcessGroup.runEach(3, Duration.ofSeconds(10), c -> {
            double[] packed = ChannelMoments.of(new double[] {c.rank(), 10.0 * c.rank()}, 2, 1).pack();
            c.allReduce(packed, ChannelMoments.MERGE);
            return packed;
        });
        assertAll(
                () -> assertArrayEquals(new float[] {3f, 3f}, sums.get(2)),
                () -> assertEquals(3.0, moments.get(1)[0], "count"),
                () -> assertEquals(1.0, moments.get(1)[1], 1e-15, "mean of channel 0"),
                () -> assertEquals(200.0, moments.get(1)[4], 1e-12, "M2 of channel 1"));
    }

    @Test
    void aRankThatNeverArrivesIsNamed() {
        InProcessGroup group = InProcessGroup.create(4, SHORT);
        List<Collective> members = group.members();
        CompletableFuture<?>[] waiting = new CompletableFuture<?>[2];
        for (int r = 0; r < 2; r++) {
            Collective c = members.get(r);
            waiting[r] = CompletableFuture.runAsync(() -> c.allReduceSum(new double[3]));
        }
        Throwable failure = assertThrows(Exception.class, () -> waiting[0].get(5, TimeUnit.SECONDS)).getCause();
        CollectiveTimeoutException timeout = assertInstanceOf(CollectiveTimeoutException.class, failure);
        assertAll(
                () -> assertEquals(List.of("rank 2", "rank 3"), timeout.missing()),
                () -> assertTrue(timeout.getMessage().contains("these ranks never arrived: rank 2, rank 3"),
                        timeout.getMessage()),
                () -> assertThrows(Exception.class, () -> waiting[1].get(5, TimeUnit.SECONDS)),
                () -> assertThrows(CollectiveException.class, () -> members.get(2).barrier(),
                        "a broken group fails at once"));
    }

    @Test
    void aRankThatLeavesFailsTheOthers() {
        InProcessGroup group = InProcessGroup.create(2, Duration.ofSeconds(30));
        Collective zero = group.member(0);
        Collective one = group.member(1);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(zero::barrier);
        sleep(50);
        one.close();
        Throwable failure = assertThrows(Exception.class, () -> waiting.get(5, TimeUnit.SECONDS)).getCause();
        assertEquals("rank 1 left the group before barrier #0; rank 0 cannot complete it", failure.getMessage());
    }

    @Test
    void lengthsMustAgree() {
        CollectiveException e = assertThrows(CollectiveException.class, () -> InProcessGroup.runEach(2,
                Duration.ofSeconds(10), c -> {
                    c.allReduceSum(new double[c.rank() == 0 ? 3 : 4]);
                    return null;
                }));
        assertEquals("allReduce #0: every rank must contribute the same length, but rank 0 sent 3 values and rank 1 "
                + "sent 4", e.getMessage());
    }

    @Test
    void splitReducesWithinConsecutiveGroups() {
        List<double[]> results = InProcessGroup.runEach(6, Duration.ofSeconds(10), c -> {
            try (Collective group = c.split(3)) {
                double[] data = {c.rank()};
                group.allReduceSum(data);
                return new double[] {data[0], group.rank(), group.worldSize()};
            }
        });
        assertAll(
                () -> assertArrayEquals(new double[] {3, 0, 3}, results.get(0), "ranks 0-2 sum to 3"),
                () -> assertArrayEquals(new double[] {3, 2, 3}, results.get(2)),
                () -> assertArrayEquals(new double[] {12, 0, 3}, results.get(3), "ranks 3-5 sum to 12"),
                () -> assertEquals("groupSize must divide the world size 6, but got 4; use a divisor of 6",
                        assertThrows(IllegalArgumentException.class,
                                () -> InProcessGroup.create(6).member(0).split(4)).getMessage()));
    }

    @Test
    void argumentsAreChecked() {
        assertAll(
                () -> assertEquals("worldSize must be at least 1, but got 0",
                        assertThrows(IllegalArgumentException.class, () -> InProcessGroup.create(0)).getMessage()),
                () -> assertEquals("rank must be in [0, 2), but got 2",
                        assertThrows(IllegalArgumentException.class, () -> InProcessGroup.create(2).member(2))
                                .getMessage()));
    }

    private static double[] contribution(int rank, int length) {
        Random rnd = new Random(rank);
        double[] d = new double[length];
        for (int i = 0; i < length; i++) {
            d[i] = rnd.nextGaussian();
        }
        return d;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
