package io.syncbn.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The rank and chunk arithmetic of the algorithms, on its own. */
class ScheduleTest {

    @ParameterizedTest(name = "p={0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 31, 64})
    void recursiveDoublingRenumbersEveryRankThatStaysIn(int p) {
        int rem = p - Integer.highestOneBit(p);
        Set<Integer> newRanks = new HashSet<>();
        for (int r = 0; r < p; r++) {
            int n = RecursiveDoubling.newRank(r, rem);
            if (n >= 0) {
                assertEquals(r, RecursiveDoubling.oldRank(n, rem), "rank " + r + " -> " + n + " -> back");
                newRanks.add(n);
            }
        }
        assertEquals(Integer.highestOneBit(p), newRanks.size(), "a power of two stays in");
        assertEquals(Integer.numberOfTrailingZeros(Integer.highestOneBit(p)) + (rem == 0 ? 0 : 2),
                RecursiveDoubling.steps(p), "steps");
    }

    @ParameterizedTest(name = "p={0}")
    @ValueSource(ints = {1, 2, 3, 7, 8})
    void ringChunksCoverTheVectorWithSizesThatDifferByAtMostOne(int p) {
        for (int n : new int[] {0, 1, 5, 37, 100_003, Integer.MAX_VALUE}) {
            assertEquals(0, Ring.chunkStart(0, n, p), "first chunk starts at 0");
            assertEquals(n, Ring.chunkStart(p, n, p), "last chunk ends at n = " + n);
            for (int c = 0; c < p; c++) {
                int size = Ring.chunkStart(c + 1, n, p) - Ring.chunkStart(c, n, p);
                assertTrue(size == n / p || size == n / p + 1, "chunk " + c + " of n = " + n + " has " + size);
            }
        }
    }

    @Test
    void theBinomialTreeReachesEveryRankOnceFromEveryRoot() {
        for (int p = 1; p <= 9; p++) {
            int[] receivedIn = new int[p];
            java.util.Arrays.fill(receivedIn, -1);
            receivedIn[0] = Integer.MIN_VALUE;
            for (int round = 0; round < BinomialBroadcast.steps(p); round++) {
                for (int sender = 0; sender < (1 << round) && sender < p; sender++) {
                    int target = sender + (1 << round);
                    if (target < p) {
                        assertTrue(receivedIn[sender] < round, "p = " + p + ": rank " + sender + " sends too early");
                        receivedIn[target] = round;
                        assertEquals(round, BinomialBroadcast.receiveRound(target), "p = " + p + ", rank " + target);
                    }
                }
            }
            for (int r = 1; r < p; r++) {
                assertTrue(receivedIn[r] >= 0, "p = " + p + ": relative rank " + r + " never receives");
            }
        }
    }

    @Test
    void chainSegmentsCoverTheVector() {
        int perSegment = ChainBroadcast.SEGMENT_BYTES / Float.BYTES;
        assertEquals(1, ChainBroadcast.segments(0, Float.BYTES), "an empty vector still sends one frame");
        assertEquals(1, ChainBroadcast.segments(perSegment, Float.BYTES));
        assertEquals(2, ChainBroadcast.segments(perSegment + 1, Float.BYTES));
        assertEquals(1 + 8 - 2, ChainBroadcast.steps(8, 1), "one segment through 8 ranks");
    }

    @Test
    void disseminationTakesTheCeilingOfLogTwoRounds() {
        assertEquals(0, Dissemination.steps(1));
        assertEquals(1, Dissemination.steps(2));
        assertEquals(3, Dissemination.steps(5));
        assertEquals(3, Dissemination.steps(8));
    }

    @Test
    void laterStepsGetLaterDeadlinesAndTheLastEndsAtTheTimeout() {
        long timeout = 2_000_000_000L;
        int steps = 4;
        assertEquals(0, Call.headroom(timeout, steps, steps - 1), "the last step may use the whole timeout");
        for (int step = 1; step < steps; step++) {
            assertTrue(Call.headroom(timeout, steps, step) < Call.headroom(timeout, steps, step - 1),
                    "step " + step + " ends after step " + (step - 1));
        }
        assertTrue(Call.headroom(timeout, steps, 0) <= timeout / 4, "no step loses more than a quarter");
        assertEquals(3 * Call.MAX_STAGGER_NANOS, Call.headroom(3_600_000_000_000L, steps, 0),
                "the stagger is capped");
    }
}
