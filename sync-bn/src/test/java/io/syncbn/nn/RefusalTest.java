package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.testing.ShardRunner;
import io.syncbn.testing.ShardRunner.Shard;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every refusal of the layer, with its message: what was wrong, the rule, and how to fix it. */
class RefusalTest {

    private static final LayerWorkspaceMgr WS = LayerWorkspaceMgr.noWorkspaces();

    @Test
    void batchAxisCannotBeNormalized() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyncBatchNormalization.Builder().axis(0).build());
        assertEquals("axis must not be 0: the batch axis cannot be normalized, because an example's position in its "
                + "batch carries no meaning and inference batches differ in size; give the channel axis (1 for "
                + "NCHW/NCDHW/[N,C]) or leave the axis to the data format", e.getMessage());
    }

    @Test
    void optionsOutOfRange() {
        assertAll(
                () -> assertEquals("decay must be in [0, 1] (DL4J convention: running = decay * running + (1 - decay) "
                        + "* batch; PyTorch momentum 0.1 is decay 0.9), but got 1.5",
                        assertThrows(IllegalArgumentException.class,
                                () -> new SyncBatchNormalization.Builder().decay(1.5).build()).getMessage()),
                () -> assertEquals("eps must be a finite number >= 0, but got -1.0E-5",
                        assertThrows(IllegalArgumentException.class,
                                () -> new SyncBatchNormalization.Builder().eps(-1e-5).build()).getMessage()),
                () -> assertEquals("runningVarInit must be a finite number >= 0, but got -1.0",
                        assertThrows(IllegalArgumentException.class,
                                () -> new SyncBatchNormalization.Builder().runningVarInit(-1).build()).getMessage()));
    }

    @Test
    void configurationsFromJsonAreValidatedOnInstantiation() {
        SyncBatchNormalization conf = new SyncBatchNormalization.Builder().nIn(3).nOut(3).build();
        conf.setDecay(-0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyncBatchNorm.standalone(conf, DataType.DOUBLE));
        assertTrue(e.getMessage().startsWith("decay must be in [0, 1]"), e.getMessage());
    }

    @Test
    void channelMismatchNamesBothNumbersAndTheLayer() {
        SyncBatchNormalization conf = new SyncBatchNormalization.Builder().name("bn2").nIn(4).nOut(4).build();
        SyncBatchNormalizationLayer layer = SyncBatchNorm.standalone(conf, DataType.FLOAT);
        layer.setInput(Nd4j.rand(DataType.FLOAT, 2, 3, 5, 5), WS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.activate(true, WS));
        assertEquals("SyncBatchNormalization layer \"bn2\" (index 0): the input has 3 channels on axis 1 (shape "
                + "[2, 3, 5, 5]), but the layer's parameters are for 4 channels; check the data format (NCHW/NCDHW) "
                + "or nIn/nOut", e.getMessage());
    }

    @Test
    void unsupportedRankAndAxisOutOfRange() {
        SyncBatchNormalizationLayer plain = SyncBatchNorm.standalone(
                new SyncBatchNormalization.Builder().name("bn").nIn(2).nOut(2).build(), DataType.FLOAT);
        plain.setInput(Nd4j.rand(DataType.FLOAT, 2, 2, 1, 1, 1, 1), WS);
        SyncBatchNormalizationLayer axis3 = SyncBatchNorm.standalone(
                new SyncBatchNormalization.Builder().name("bn").nIn(2).nOut(2).axis(3).build(), DataType.FLOAT);
        axis3.setInput(Nd4j.rand(DataType.FLOAT, 2, 2), WS);
        assertAll(
                () -> assertEquals("layer \"bn\": input rank must be 2 ([N,C]), 3 ([N,C,T]), 4 (NCHW or NHWC) or 5 "
                        + "(NCDHW or NDHWC), but got rank 6",
                        assertThrows(IllegalArgumentException.class, () -> plain.activate(true, WS)).getMessage()),
                () -> assertEquals("layer \"bn\": axis must be in [1, 2) for an input of rank 2, but got 3",
                        assertThrows(IllegalArgumentException.class, () -> axis3.activate(true, WS)).getMessage()));
    }

    @Test
    void oneValuePerChannelAcrossAllWorkersIsRefusedOnEveryWorker() {
        SyncBatchNormalization conf = new SyncBatchNormalization.Builder().name("dense_bn").nIn(3).nOut(3).build();
        ShardRunner.Params params = ShardRunner.Params.random(new Random(1), 3);
        List<Shard> oneRowInAll = ShardRunner.randomShards(new Random(2), new int[] {0, 1, 0}, new long[] {3}, 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardRunner.run(conf, DataType.DOUBLE, params, oneRowInAll));
        assertEquals("SyncBatchNormalization layer \"dense_bn\" (index 0): batch statistics need at least 2 values per "
                + "channel across all workers that share them, but the batch of 3 worker(s) has 1 (this worker's "
                + "input shape [0, 3]); use a batch of at least 2 examples per group of workers that share statistics "
                + "(all workers in sync mode), or useGlobalStats(true) to normalize with running statistics",
                e.getMessage());
    }

    @Test
    void oneRowOnAWorkerIsFineWhenOthersHoldMore() {
        SyncBatchNormalization conf = new SyncBatchNormalization.Builder().nIn(3).nOut(3).build();
        ShardRunner.Params params = ShardRunner.Params.random(new Random(1), 3);
        List<Shard> shards = ShardRunner.randomShards(new Random(2), new int[] {1, 1}, new long[] {3}, 0, 1);
        List<ShardRunner.Output> out = ShardRunner.run(conf, DataType.DOUBLE, params, shards);
        assertEquals(3, out.get(0).y().length);
    }

    @Test
    void runningStatisticsNeedNoBatch() {
        SyncBatchNormalization conf = new SyncBatchNormalization.Builder().nIn(3).nOut(3).useGlobalStats(true).build();
        ShardRunner.Params params = ShardRunner.Params.random(new Random(1), 3);
        List<Shard> one = ShardRunner.randomShards(new Random(2), new int[] {1}, new long[] {3}, 0, 1);
        ShardRunner.Output out = ShardRunner.run(conf, DataType.DOUBLE, params, one).get(0);
        assertAll(
                () -> assertEquals(3, out.y().length),
                () -> assertEquals(params.runningMean()[0], out.runningMean()[0], 0.0,
                        "running statistics stay when training with them"));
    }

    @Test
    void backpropNeedsAForwardPass() {
        SyncBatchNormalizationLayer layer = SyncBatchNorm.standalone(
                new SyncBatchNormalization.Builder().nIn(2).nOut(2).build(), DataType.FLOAT);
        layer.setInput(Nd4j.rand(DataType.FLOAT, 4, 2), WS);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> layer.backpropGradient(Nd4j.rand(DataType.FLOAT, 4, 2), WS));
        assertEquals("SyncBatchNormalization layer (index 0): backpropGradient needs a forward pass (activate) on the "
                + "same input first", e.getMessage());
    }

    /**
     * After an inference forward pass (what {@code FrozenLayerWithBackprop} runs), backprop treats the
     * running statistics as constants: dx = dy · γ / √(running variance + ε), as DL4J's frozen BN does.
     */
    @Test
    void backpropAfterInferenceUsesTheRunningStatistics() {
        SyncBatchNormalizationLayer layer = SyncBatchNorm.standalone(new SyncBatchNormalization.Builder().nIn(2)
                .nOut(2).eps(1e-3).build(), DataType.DOUBLE);
        layer.setParam("gamma", Nd4j.createFromArray(new double[][] {{1.5, -0.5}}));
        layer.setParam("var", Nd4j.createFromArray(new double[][] {{4.0, 0.25}}));
        layer.setInput(Nd4j.rand(DataType.DOUBLE, 3, 2), WS);
        layer.activate(false, WS);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, 3, 2);
        INDArray dx = layer.backpropGradient(dy, WS).getSecond();
        for (int i = 0; i < 3; i++) {
            assertEquals(dy.getDouble(i, 0) * 1.5 / Math.sqrt(4.001), dx.getDouble(i, 0), 1e-12, "row " + i);
            assertEquals(dy.getDouble(i, 1) * -0.5 / Math.sqrt(0.251), dx.getDouble(i, 1), 1e-12, "row " + i);
        }
    }
}
