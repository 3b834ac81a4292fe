package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syncbn.collective.Collective;
import io.syncbn.collective.ReduceOp;
import io.syncbn.collective.SingleCollective;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.stats.ChannelMoments;
import io.syncbn.testing.Networks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The communication contract: per layer and training step exactly one all-reduce forward (the packed
 * moments with Chan's merge, 2C+1 values) and one backward (sums, 2C values); none for inference or
 * when training with running statistics; and {@link SyncBatchNorm#attach} reaches every layer.
 */
class CollectiveCallsTest {

    /** Records each call; reduces as a group of one. */
    static final class Recording implements Collective {
        final List<String> calls = new ArrayList<>();

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public Duration timeout() {
            return Duration.ZERO;
        }

        @Override
        public void allReduce(double[] data, ReduceOp op) {
            calls.add((op == ChannelMoments.MERGE ? "merge" : op == ReduceOp.SUM ? "sum" : "other") + ":" + data.length);
        }

        @Override
        public void allReduceSum(float[] data) {
            calls.add("floatsum:" + data.length);
        }

        @Override
        public void barrier() {
            calls.add("barrier");
        }

        @Override
        public List<byte[]> allGather(byte[] payload) {
            calls.add("allGather:" + payload.length);
            return List.of(payload);
        }

        @Override
        public void broadcast(double[] data, int root) {
            calls.add("broadcast:" + data.length);
        }

        @Override
        public void broadcast(float[] data, int root) {
            calls.add("broadcastf:" + data.length);
        }

        @Override
        public Collective split(int groupSize) {
            return SingleCollective.instance().split(groupSize);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void oneFusedCallForwardAndOneBackward() {
        Recording rec = new Recording();
        SyncBatchNormalizationLayer layer = SyncBatchNorm.standalone(
                new SyncBatchNormalization.Builder().nIn(5).nOut(5).build(), DataType.FLOAT);
        layer.setCollective(rec);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(Nd4j.rand(DataType.FLOAT, 3, 5, 2, 2), ws);
        layer.activate(false, ws);
        List<String> afterInference = List.copyOf(rec.calls);
        layer.activate(true, ws);
        List<String> afterForward = List.copyOf(rec.calls);
        layer.backpropGradient(Nd4j.rand(DataType.FLOAT, 3, 5, 2, 2), ws);
        assertAll(
                () -> assertEquals(List.of(), afterInference, "inference never communicates"),
                () -> assertEquals(List.of("merge:11"), afterForward, "forward: one merge of [count, mean, M2]"),
                () -> assertEquals(List.of("merge:11", "sum:10"), rec.calls,
                        "backward: one sum of [sum(dy), sum(dy*xhat)]"));
    }

    @Test
    void trainingWithRunningStatisticsNeverCommunicates() {
        Recording rec = new Recording();
        SyncBatchNormalizationLayer layer = SyncBatchNorm.standalone(
                new SyncBatchNormalization.Builder().nIn(2).nOut(2).useGlobalStats(true).build(), DataType.FLOAT);
        layer.setCollective(rec);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(Nd4j.rand(DataType.FLOAT, 1, 2), ws);
        layer.activate(true, ws);
        layer.backpropGradient(Nd4j.rand(DataType.FLOAT, 1, 2), ws);
        assertEquals(List.of(), rec.calls);
    }

    @Test
    void attachReachesEveryLayerOfANetwork() {
        MultiLayerNetwork net = new MultiLayerNetwork(Networks.list(Networks.Kind.NCHW,
                Networks.syncBn(SyncBatchNormalization.RunningVariance.UNBIASED), new Sgd(0.1), DataType.FLOAT, 1));
        net.init();
        Recording rec = new Recording();
        assertEquals(1, SyncBatchNorm.attach(net, rec));
        net.fit(Networks.features(Networks.Kind.NCHW, 4, DataType.FLOAT, 1), Networks.labels(4, DataType.FLOAT, 1));
        assertAll(
                () -> assertEquals(List.of("merge:7", "sum:6"), rec.calls, "one fit step, one BN layer of 3 channels"),
                () -> assertEquals(1, SyncBatchNorm.detach(net)),
                () -> assertEquals(SingleCollective.instance(), SyncBatchNorm.layers(net).get(0).getCollective()));
    }
}
