package io.syncbn.nn;

import io.syncbn.collective.Collective;
import io.syncbn.collective.ReduceOp;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.nn.params.SyncBatchNormParamInitializer;
import io.syncbn.stats.ChannelMoments;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Makes the running statistics of replicas that normalized with different batch statistics (local
 * or group-synchronized BN) identical again: after a training step, every layer's running mean and
 * variance become the mean of all replicas' values weighted by the number of values per channel each
 * replica normalized in that step ({@link SyncBatchNormalizationLayer#lastLocalMoments()}).
 *
 * <p>Within a group the replicas hold the same running statistics (updated from the same group
 * statistics), so the weighted mean over replicas is the mean over groups weighted by their value
 * counts. A replica without examples has weight 0; a layer with no values anywhere keeps its
 * statistics. One all-reduce-sum in float64 over all replicas covers every layer.
 */
public final class RunningStatistics {

    private RunningStatistics() {
    }

    /**
     * Averages the running statistics of {@code layers} (the same layers, in the same order, on every
     * replica) across all ranks of {@code all}, and batch renormalization's averages with them. Layers that train with {@code useGlobalStats} do not
     * change their running statistics and are left out.
     *
     * @param layers this replica's batch-normalization layers after a training forward pass
     * @param all every replica, not a group
     */
    public static void average(List<SyncBatchNormalizationLayer> layers, Collective all) {
        List<SyncBatchNormalizationLayer> trained = new ArrayList<>();
        int length = 0;
        for (SyncBatchNormalizationLayer layer : layers) {
            if (!layer.layerConf().isUseGlobalStats()) {
                trained.add(layer);
                length += statistics(layer).size() * (int) layer.layerConf().getNOut() + 1;
            }
        }
        double[] buf = new double[length];
        int at = 0;
        for (SyncBatchNormalizationLayer layer : trained) {
            ChannelMoments local = layer.lastLocalMoments();
            double weight = local == null ? 0 : local.count();
            for (String key : statistics(layer)) {
                at = put(buf, at, weight, layer.getParam(key).toDoubleVector());
            }
            buf[at++] = weight;
        }
        all.allReduce(buf, ReduceOp.SUM);
        at = 0;
        for (SyncBatchNormalizationLayer layer : trained) {
            int channels = (int) layer.layerConf().getNOut();
            List<String> keys = statistics(layer);
            double total = buf[at + keys.size() * channels];
            if (total > 0) {
                for (int k = 0; k < keys.size(); k++) {
                    store(layer.getParam(keys.get(k)), buf, at + k * channels, channels, total);
                }
            }
            at += keys.size() * channels + 1;
        }
    }

    /**
     * The layer's statistics kept across steps: the running mean and variance, and with batch
     * renormalization its averages too (all its parameters but gamma and beta).
     */
    private static List<String> statistics(SyncBatchNormalizationLayer layer) {
        List<String> keys = new ArrayList<>();
        for (String key : SyncBatchNormParamInitializer.getInstance().paramKeys(layer.layerConf())) {
            if (!SyncBatchNormParamInitializer.GAMMA.equals(key) && !SyncBatchNormParamInitializer.BETA.equals(key)) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static int put(double[] buf, int at, double weight, double[] values) {
        for (double v : values) {
            buf[at++] = weight * v;
        }
        return at;
    }

    private static void store(INDArray param, double[] buf, int from, int channels, double total) {
        double[] v = new double[channels];
        for (int c = 0; c < channels; c++) {
            v[c] = buf[from + c] / total;
        }
        param.assign(Nd4j.createFromArray(v).reshape(param.shape()).castTo(param.dataType()));
    }
}
