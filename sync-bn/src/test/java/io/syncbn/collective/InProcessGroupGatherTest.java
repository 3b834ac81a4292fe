package io.syncbn.collective;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The operations added to {@link Collective} for the transport, on the in-process group and the group of one. */
class InProcessGroupGatherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void allGatherReturnsEveryRanksPayloadInRankOrder() {
        int worldSize = 3;
        InProcessGroup group = InProcessGroup.create(worldSize, TIMEOUT);
        List<List<byte[]>> results = Ranks.values(worldSize, rank -> {
            try (Collective c = group.member(rank)) {
                return c.allGather(("rank " + rank + "!".repeat(rank)).getBytes(StandardCharsets.UTF_8));
            }
        });
        List<Executable> checks = new ArrayList<>();
        for (int k = 0; k < worldSize; k++) {
            for (int r = 0; r < worldSize; r++) {
                String expected = "rank " + r + "!".repeat(r);
                String actual = new String(results.get(k).get(r), StandardCharsets.UTF_8);
                String where = "payload of rank " + r + " as seen by rank " + k;
                checks.add(() -> assertEquals(expected, actual, where));
            }
        }
        assertAll(checks);
    }

    @Test
    void broadcastCopiesTheRootsValues() {
        int worldSize = 4;
        int root = 2;
        InProcessGroup group = InProcessGroup.create(worldSize, TIMEOUT);
        List<double[]> doubles = Ranks.values(worldSize, rank -> {
            try (Collective c = group.member(rank)) {
                double[] data = {rank, rank + 0.5};
                c.broadcast(data, root);
                return data;
            }
        });
        for (int k = 0; k < worldSize; k++) {
            assertArrayEquals(new double[] {root, root + 0.5}, doubles.get(k), "rank " + k);
        }
    }

    @Test
    void broadcastOfFloatsCopiesTheRootsValues() {
        int worldSize = 3;
        InProcessGroup group = InProcessGroup.create(worldSize, TIMEOUT);
        List<float[]> floats = Ranks.values(worldSize, rank -> {
            try (Collective c = group.member(rank)) {
                float[] data = {rank * 1.5f};
                c.broadcast(data, 0);
                return data;
            }
        });
        for (int k = 0; k < worldSize; k++) {
            assertArrayEquals(new float[] {0f}, floats.get(k), "rank " + k);
        }
    }

    @Test
    void broadcastRejectsARootOutsideTheGroup() {
        InProcessGroup group = InProcessGroup.create(2, TIMEOUT);
        Collective c = group.member(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.broadcast(new double[1], 2));
        assertEquals("root must be in [0, 2), but got 2", e.getMessage());
    }

    @Test
    void ranksThatDisagreeOnTheRootFailWithBothOperationsNamed() {
        InProcessGroup group = InProcessGroup.create(2, TIMEOUT);
        List<Ranks.Outcome<Object>> outcomes = Ranks.run(2, rank -> {
            try (Collective c = group.member(rank)) {
                c.broadcast(new double[1], rank);
                return null;
            }
        });
        for (Ranks.Outcome<Object> o : outcomes) {
            assertTrue(o.error() instanceof CollectiveException, "rank " + o.rank() + " threw " + o.error());
            assertTrue(o.error().getMessage().contains("broadcast(root 0)")
                    && o.error().getMessage().contains("broadcast(root 1)"),
                    "rank " + o.rank() + ": " + o.error().getMessage());
        }
    }

    @Test
    void theGroupOfOneGathersAndBroadcastsItself() {
        SingleCollective c = SingleCollective.instance();
        byte[] payload = {1, 2, 3};
        List<byte[]> gathered = c.allGather(payload);
        payload[0] = 9;
        double[] data = {4.0};
        c.broadcast(data, 0);
        float[] floats = {5.0f};
        c.broadcast(floats, 0);
        assertAll(
                () -> assertEquals(1, gathered.size(), "one payload"),
                () -> assertArrayEquals(new byte[] {1, 2, 3}, gathered.get(0), "a copy, not the caller's array"),
                () -> assertArrayEquals(new double[] {4.0}, data, "double broadcast"),
                () -> assertArrayEquals(new float[] {5.0f}, floats, "float broadcast"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.broadcast(data, 1));
        assertEquals("root must be in [0, 1), but got 1", e.getMessage());
    }
}
