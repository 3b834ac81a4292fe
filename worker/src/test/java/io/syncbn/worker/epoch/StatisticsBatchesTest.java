package io.syncbn.worker.epoch;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.BnMode;
import io.syncbn.worker.split.EpochSplit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where an epoch plan puts its smallest statistics batches, and the one-process form of the check
 * (for the driver). Cases of {@link StatisticsBatches#firstSmall}: full steps only (none); a worker's
 * last step of 1 with the others empty; uneven workers; groups of 2 where one group has 1; the global
 * batch; virtual batches whose last one has 1, and shards that are whole virtual batches (none); a
 * range of steps that ends before the small batch (none); fewer examples than workers.
 */
class StatisticsBatchesTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // examples, workers, b, groupSize, virtual, from, to, expected "step/firstWorker/workers/examples/shard"
                Arguments.of(32, 4, 4, 1, 0, 0, 2, null),
                Arguments.of(33, 4, 4, 1, 0, 0, 3, "2/0/1/1/1"),
                Arguments.of(37, 4, 4, 1, 0, 0, 3, "2/1/1/1/1"),
                Arguments.of(19, 4, 2, 2, 0, 0, 3, "2/2/2/1/1"),
                Arguments.of(21, 4, 2, 2, 0, 0, 3, null),
                Arguments.of(17, 4, 2, 4, 0, 0, 3, "2/0/4/1/1"),
                Arguments.of(15, 2, 4, 2, 2, 0, 2, "1/1/1/1/3"),
                Arguments.of(16, 2, 4, 2, 2, 0, 2, null),
                Arguments.of(33, 4, 4, 1, 0, 0, 2, null),
                Arguments.of(3, 8, 4, 1, 0, 0, 1, "0/0/1/1/1"),
                Arguments.of(3, 8, 4, 8, 0, 0, 1, null));
    }

    @ParameterizedTest(name = "{0} examples, {1} workers x {2}, groups of {3}, virtual {4}, steps [{5}, {6})")
    @MethodSource("cases")
    void firstSmallBatch(long examples, int workers, int b, int groupSize, int virtual, int from, int to,
            String expected) {
        StatisticsBatches.Batch batch = StatisticsBatches.firstSmall(new EpochSplit(examples, workers, b, 1, 0),
                groupSize, virtual, from, to, 2);
        String actual = batch == null ? null : batch.step() + "/" + batch.firstWorker() + "/" + batch.workers() + "/"
                + batch.examples() + "/" + batch.shard();
        if (expected == null) {
            assertNull(actual);
        } else {
            assertEquals(expected, actual);
        }
    }

    @Test
    void aGroupSizeThatDoesNotDivideTheWorkersIsRefused() {
        assertEquals("groupSize must divide the 4 workers and virtualBatch must be at least 0, but got groupSize 3 "
                + "and virtualBatch 0", assertThrows(IllegalArgumentException.class,
                        () -> StatisticsBatches.firstSmall(new EpochSplit(8, 4, 2, 1, 0), 3, 0, 0, 1, 2)).getMessage());
    }

    /** The driver's form: the same rule and message from one network and one example, no collective. */
    @Test
    void theOneProcessCheckRefusesAndAccepts() {
        EpochSplit split = new EpochSplit(37, 4, 4, 11, 2);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> SmallBatchCheck.require(EpochFixtures.dense(false, 0), split, BnMode.LOCAL,
                        EpochFixtures.example(1, false)));
        assertAll(
                () -> assertTrue(refused.getMessage().startsWith("bn local needs at least 2 examples per worker in "
                        + "every step that gives the worker any: "), refused.getMessage()),
                () -> assertTrue(refused.getMessage().contains("step 3 of 3 (epoch 3) gives worker 1 only 1 example"),
                        refused.getMessage()),
                () -> assertDoesNotThrow(() -> SmallBatchCheck.require(EpochFixtures.conv(), split, BnMode.LOCAL,
                        EpochFixtures.example(1, true)), "16 values per channel per example"),
                () -> assertDoesNotThrow(() -> SmallBatchCheck.require(EpochFixtures.dense(false, 0),
                        new EpochSplit(40, 4, 4, 11, 2), BnMode.LOCAL, EpochFixtures.example(1, false)),
                        "40 examples: every worker holds 10, steps of 4, 4 and 2"));
    }
}
