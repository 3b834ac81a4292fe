package io.syncbn.nn;

import io.syncbn.collective.Collective;
import io.syncbn.collective.ReduceOp;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.stats.ChannelMoments;
import io.syncbn.stats.StatisticsDivergence;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures, after a training forward pass, how far each worker's own batch statistics are from the
 * statistics of the whole global batch (every worker's shard), in every batch-normalization mode:
 * per layer, the {@link StatisticsDivergence} of each worker's local moments from the global moments,
 * averaged over the workers that had examples.
 *
 * <p>It only reads what the forward pass recorded ({@link SyncBatchNormalizationLayer#lastLocalMoments()})
 * and never changes the network, so training is the same with or without it. Cost: when the layers
 * were synchronized over all workers, the global moments are already known and one small
 * all-reduce-sum averages the measures; otherwise (local and group modes) one more all-reduce merges
 * the local moments of every layer at once (Chan et al.'s merge, segment by segment).
 */
public final class SynchronizationDiagnostics {

    private SynchronizationDiagnostics() {
    }

    /**
     * The divergence per layer, the same on every rank. Every rank must call it at the same step
     * with the same layers. Layers that train with {@code useGlobalStats} have no batch statistics:
     * their entry is {@code NaN, NaN}.
     *
     * @param layers this replica's batch-normalization layers, after a training forward pass
     * @param all every worker, not a group
     * @param globalKnown whether the layers synchronized over all workers, so {@link
     *     SyncBatchNormalizationLayer#lastBatchMoments()} is already the global batch's statistics
     */
    public static List<StatisticsDivergence> measure(List<SyncBatchNormalizationLayer> layers, Collective all,
            boolean globalKnown) {
        int n = layers.size();
        ChannelMoments[] local = new ChannelMoments[n];
        ChannelMoments[] global = new ChannelMoments[n];
        int[] channels = new int[n];
        for (int i = 0; i < n; i++) {
            SyncBatchNormalizationLayer layer = layers.get(i);
            channels[i] = (int) layer.layerConf().getNOut();
            ChannelMoments m = layer.lastLocalMoments();
            local[i] = m == null ? ChannelMoments.empty(channels[i]) : m;
            global[i] = layer.lastBatchMoments();
        }
        if (!globalKnown) {
            mergeOverAll(local, global, channels, all);
        }
        double[] sums = new double[3 * n];
        for (int i = 0; i < n; i++) {
            if (local[i].count() > 0 && global[i] != null && global[i].count() > 0) {
                double eps = layers.get(i).layerConf().getEps();
                StatisticsDivergence d = StatisticsDivergence.of(local[i], global[i], eps);
                sums[3 * i] = d.mean();
                sums[3 * i + 1] = d.logVar();
                sums[3 * i + 2] = 1;
            }
        }
        all.allReduce(sums, ReduceOp.SUM);
        List<StatisticsDivergence> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double workers = sums[3 * i + 2];
            out.add(workers > 0 ? new StatisticsDivergence(sums[3 * i] / workers, sums[3 * i + 1] / workers)
                    : new StatisticsDivergence(Double.NaN, Double.NaN));
        }
        return out;
    }

    /** Fills {@code global} with the merge of every rank's {@code local} moments, one all-reduce for all layers. */
    private static void mergeOverAll(ChannelMoments[] local, ChannelMoments[] global, int[] channels, Collective all) {
        double[] packed = ChannelMoments.packAll(List.of(local));
        all.allReduce(packed, ChannelMoments.mergeSegments(channels));
        ChannelMoments.unpackAll(packed, channels).toArray(global);
    }
}
