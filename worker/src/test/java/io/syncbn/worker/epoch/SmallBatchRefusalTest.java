package io.syncbn.worker.epoch;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.BnMode;
import io.syncbn.worker.split.EpochSplit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * An epoch plan that gives a batch-normalization layer a batch of one value per channel is refused
 * before any step runs, on every rank with the same message naming the step, the worker or group,
 * the rule and the fix — instead of one rank failing in the layer and the others reporting a lost
 * rank. Cases, all with a dense BN layer (one value per channel per example):
 * <ul>
 *   <li>local, 4 workers × 4, 33 examples: worker 0 alone holds 1 example in the last step, the others none;
 *   <li>local, 4 workers × 4, 37 examples: workers 1-3 hold 1 in the last step, worker 0 holds 2;
 *   <li>local, 2 workers × 1: every step gives every worker 1;
 *   <li>group:2, 4 workers × 2, 19 examples: the second group holds 1 in the last step, the first 2;
 *   <li>sync, 4 workers × 2, 17 examples: a global batch of 1 in the last step;
 *   <li>sync with ghost BN (virtual batches of 2), 2 workers × 4, 15 examples: worker 1's last shard
 *       of 3 ends with a virtual batch of 1, worker 0's shards are whole;
 *   <li>a stage that ends before the offending step (steps [0, 1) of 3): refused too, the epoch is known.
 * </ul>
 * Not refused: the same plans with a convolution before BN (16 values per channel per example), which
 * train exactly as replicas stepped directly.
 */
class SmallBatchRefusalTest {

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("local", 33, 4, 4, 0, 0, 3, "step 3 of 3 (epoch 1) gives worker 0 only 1 example"),
                Arguments.of("local", 37, 4, 4, 0, 0, 3, "step 3 of 3 (epoch 1) gives worker 1 only 1 example"),
                Arguments.of("local", 6, 2, 1, 0, 0, 3, "step 1 of 3 (epoch 1) gives worker 0 only 1 example"),
                Arguments.of("group:2", 19, 4, 2, 0, 0, 3,
                        "step 3 of 3 (epoch 1) gives group 1 (workers 2-3) only 1 example"),
                Arguments.of("sync", 17, 4, 2, 0, 0, 3, "step 3 of 3 (epoch 1) has a global batch of only 1 example"),
                Arguments.of("sync", 15, 2, 4, 2, 0, 2,
                        "step 2 of 2 (epoch 1) gives worker 1 a shard of 3 examples whose last virtual batch holds 1"),
                Arguments.of("local", 33, 4, 4, 0, 0, 1, "step 3 of 3 (epoch 1) gives worker 0 only 1 example"));
    }

    @ParameterizedTest(name = "bn {0}, {1} examples, {2} workers x {3}, virtual batch {4}, steps [{5}, {6})")
    @MethodSource("refused")
    void everyRankRefusesWithTheSameMessageBeforeAnyStep(String bn, long examples, int workers, int perWorker,
            int virtualBatch, int from, int to, String names) {
        EpochSplit split = new EpochSplit(examples, workers, perWorker, 11, 0);
        EpochSpec spec = new EpochSpec(split, BnMode.parse(bn), 0, false, from, to, 0);
        byte[] snapshot = EpochLoop.snapshot(EpochFixtures.dense(false, virtualBatch));
        List<List<MultiDataSet>> data = EpochFixtures.examples(split, false);
        AtomicInteger steps = new AtomicInteger();
        List<Object> outcomes = EpochFixtures.outcomes(workers, c -> EpochLoop.run(snapshot, spec, c,
                data.get(c.rank()).iterator(), m -> steps.incrementAndGet()));

        String first = outcomes.get(0) instanceof Throwable t ? t.getMessage() : "rank 0 did not fail";
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertTrue(first.contains(names), "names the step and where: " + first));
        checks.add(() -> assertTrue(first.contains("needs at least 2 examples"), "states the rule: " + first));
        checks.add(() -> assertTrue(first.contains("; use "), "says what to do: " + first));
        checks.add(() -> assertEquals(0, steps.get(), "no step runs"));
        for (int k = 0; k < workers; k++) {
            Object o = outcomes.get(k);
            int rank = k;
            checks.add(() -> assertEquals(first, assertInstanceOf(IllegalArgumentException.class, o,
                    "rank " + rank + " must refuse like rank 0").getMessage(), "rank " + rank));
        }
        assertAll(checks);
    }

    @Test
    void theLocalMessageNamesValueRuleAndFix() {
        EpochSplit split = new EpochSplit(37, 4, 4, 11, 2);
        EpochSpec spec = new EpochSpec(split, BnMode.LOCAL, 0, false);
        byte[] snapshot = EpochLoop.snapshot(EpochFixtures.dense(false, 0));
        List<List<MultiDataSet>> data = EpochFixtures.examples(split, false);
        Object outcome = EpochFixtures.outcomes(4, c -> EpochLoop.run(snapshot, spec, c,
                data.get(c.rank()).iterator(), m -> { })).get(2);
        assertEquals("bn local needs at least 2 examples per worker in every step that gives the worker any: "
                + "batch-normalization layer 'layer1' gets 1 value per channel from each example (a dense input) and "
                + "normalizes each worker's shard with its own statistics; but step 3 of 3 (epoch 3) gives worker 1 "
                + "only 1 example (it holds 9 of the epoch's 37 examples, 4 per step); use a training set whose size "
                + "leaves no worker fewer than 2 examples in a step — a multiple of 4 workers x 4 per worker = 16 "
                + "always does, e.g. the first 32 examples (train-subset=32) — or bn sync or group:K with K >= 2",
                assertInstanceOf(IllegalArgumentException.class, outcome).getMessage());
    }

    static Stream<Arguments> accepted() {
        return Stream.of(Arguments.of("local", 33, 4, 4), Arguments.of("local", 6, 2, 1),
                Arguments.of("group:2", 19, 4, 2), Arguments.of("sync", 17, 4, 2));
    }

    /** With 16 values per channel per example, one example is a batch: the check lets it train, unchanged. */
    @ParameterizedTest(name = "bn {0}, {1} examples, {2} workers x {3}")
    @MethodSource("accepted")
    void aConvolutionGetsEnoughValuesFromOneExample(String bn, long examples, int workers, int perWorker) {
        EpochSplit split = new EpochSplit(examples, workers, perWorker, 11, 0);
        EpochSpec spec = new EpochSpec(split, BnMode.parse(bn), 0, false);
        Model initial = EpochFixtures.conv();
        byte[] snapshot = EpochLoop.snapshot(initial);
        List<List<MultiDataSet>> data = EpochFixtures.examples(split, true);
        EpochResult result = EpochFixtures.run(snapshot, spec, data);
        Model direct = EpochFixtures.stepDirectly(snapshot, split, BnMode.parse(bn), data);
        assertArrayEquals(EpochFixtures.bits(direct.params()),
                EpochFixtures.bits(EpochLoop.restore(result.model(), false).params()),
                "the epoch loop trains exactly as replicas stepped directly with the same seeds");
    }
}
