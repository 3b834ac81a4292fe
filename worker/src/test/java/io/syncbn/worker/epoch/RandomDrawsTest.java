package io.syncbn.worker.epoch;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.syncbn.api.BnMode;
import io.syncbn.worker.replica.Replica;
import io.syncbn.worker.split.EpochSplit;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Random draws in training — here the masks of a dropout layer — are a function of (seed, epoch,
 * step, rank): an epoch trained in two stages, as a checkpointed or resumed run trains it, ends with
 * exactly the parameters and updater state of the epoch trained in one stage; the epoch loop draws
 * with {@link EpochSplit#randomSeed}; and two ranks draw different masks. Bit for bit: the raw bits of
 * the float64 parameters are compared.
 */
class RandomDrawsTest {

    private static final EpochSplit SPLIT = new EpochSplit(40, 2, 4, 19, 1);

    @ParameterizedTest(name = "bn {0}")
    @ValueSource(strings = {"sync", "local"})
    void anEpochInTwoStagesDrawsWhatOneStageDraws(String bn) {
        MultiLayerNetwork initial = EpochFixtures.dense(true, 0);
        byte[] snapshot = EpochLoop.snapshot(initial);
        List<List<MultiDataSet>> data = EpochFixtures.examples(SPLIT, false);
        BnMode mode = BnMode.parse(bn);
        int steps = SPLIT.steps();
        EpochResult whole = EpochFixtures.run(snapshot, new EpochSpec(SPLIT, mode, 0, false, 0, steps, 0), data);
        EpochResult first = EpochFixtures.run(snapshot, new EpochSpec(SPLIT, mode, 0, false, 0, 2, 0), data);
        EpochResult rest = EpochFixtures.run(first.model(), new EpochSpec(SPLIT, mode, 0, false, 2, steps, 0), data);

        MultiLayerNetwork expected = (MultiLayerNetwork) EpochLoop.restore(whole.model(), false);
        MultiLayerNetwork resumed = (MultiLayerNetwork) EpochLoop.restore(rest.model(), false);
        assertAll(
                () -> assertEquals(5, steps, "the plan has 5 steps of 2 x 4 examples"),
                () -> assertArrayEquals(EpochFixtures.bits(expected.params()), EpochFixtures.bits(resumed.params()),
                        "parameters after steps [0, 2) then [2, 5) must be those after [0, 5), bit for bit"),
                () -> assertArrayEquals(EpochFixtures.bits(expected.getUpdater().getStateViewArray()),
                        EpochFixtures.bits(resumed.getUpdater().getStateViewArray()), "updater state, bit for bit"),
                () -> assertEquals(expected.getIterationCount(), resumed.getIterationCount(), "iterations"),
                () -> assertFalse(Arrays.equals(EpochFixtures.bits(initial.params()),
                        EpochFixtures.bits(expected.params())), "the epoch trained"));
    }

    @Test
    void theEpochLoopDrawsWithTheSplitsSeedOfEachStepAndRank() {
        byte[] snapshot = EpochLoop.snapshot(EpochFixtures.dense(true, 0));
        List<List<MultiDataSet>> data = EpochFixtures.examples(SPLIT, false);
        EpochResult loop = EpochFixtures.run(snapshot, new EpochSpec(SPLIT, BnMode.SYNC, 0, false), data);
        Model direct = EpochFixtures.stepDirectly(snapshot, SPLIT, BnMode.SYNC, data);
        assertArrayEquals(EpochFixtures.bits(direct.params()),
                EpochFixtures.bits(EpochLoop.restore(loop.model(), false).params()),
                "the loop's epoch must equal replicas stepped with randomSeed(step, rank), bit for bit");
    }

    /**
     * Both ranks hold the same shard and the same parameters, so the dropout layer's input is the same
     * on both: its outputs differ only by the masks drawn. Stepping again from the same state with the
     * same seed reproduces rank 0's output exactly.
     */
    @Test
    void twoRanksDrawDifferentMasksAndOneSeedDrawsTheSameMaskAgain() {
        byte[] snapshot = EpochLoop.snapshot(EpochFixtures.dense(true, 0));
        MultiDataSet shard = org.nd4j.linalg.dataset.MultiDataSet.merge(EpochFixtures.examples(SPLIT, false).get(0)
                .subList(0, 4));
        List<Object> outputs = EpochFixtures.outcomes(2, c -> {
            MultiLayerNetwork net = (MultiLayerNetwork) EpochLoop.restore(snapshot, false);
            DropoutOutput seen = new DropoutOutput();
            net.addListeners(seen);
            Replica.of(net, c, BnMode.SYNC).step(shard, SPLIT.randomSeed(0, c.rank()));
            return seen.output;
        });
        List<Object> again = EpochFixtures.outcomes(1, c -> {
            MultiLayerNetwork net = (MultiLayerNetwork) EpochLoop.restore(snapshot, false);
            DropoutOutput seen = new DropoutOutput();
            net.addListeners(seen);
            Replica.of(net, c, BnMode.SYNC).step(shard, new EpochSplit(40, 1, 4, 19, 1).randomSeed(0, 0));
            return seen.output;
        });
        double[] rank0 = (double[]) outputs.get(0);
        double[] rank1 = (double[]) outputs.get(1);
        assertAll(
                () -> assertEquals(4 * 6, rank0.length, "the dropout layer's output for 4 examples x 6 units"),
                () -> assertFalse(Arrays.equals(rank0, rank1), "ranks 0 and 1 must draw different masks: "
                        + Arrays.toString(rank0) + " vs " + Arrays.toString(rank1)),
                () -> assertArrayEquals(rank0, (double[]) again.get(0), 0.0,
                        "the same seed, state and shard give the same mask again"));
    }

    /** Keeps the dropout layer's training output of the last forward pass. */
    private static final class DropoutOutput extends BaseTrainingListener {
        private double[] output;

        @Override
        public void onForwardPass(Model model, List<INDArray> activations) {
            // activations: the input, then each layer's output; the dropout layer is layer 3.
            output = activations.get(4).dup('c').data().asDouble();
        }
    }
}
