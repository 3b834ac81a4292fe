package io.syncbn.worker.epoch;

import io.syncbn.api.BnMode;
import io.syncbn.collective.Collective;
import io.syncbn.collective.ReduceOp;
import io.syncbn.nn.InputMoments;
import io.syncbn.nn.SyncBatchNorm;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.worker.split.EpochSplit;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Refuses an epoch plan that would give a batch-normalization layer a batch it cannot normalize,
 * before any step runs and with the same message on every rank.
 *
 * <p>The rule is the layer's own: a layer that normalizes with batch statistics in training needs at
 * least {@value #MIN_VALUES} values per channel in every batch it computes statistics over — examples
 * times the values each example gives a channel (1 for a dense input, height × width for a feature
 * map). Which examples form a batch depends on the BN mode ({@link StatisticsBatches}): each worker's
 * shard in local mode, each group's shards in group:K, the global batch in sync, each virtual batch of
 * a worker's shard with ghost BN. A dense layer in local mode therefore needs at least 2 examples per
 * worker in every step that gives the worker any. A batch without examples sits its step out and is
 * fine.
 *
 * <p>Why up front: in local mode (and across groups) the layers do not communicate, so the layer's own
 * refusal, mid-step, happens on the ranks that hold the small batch only, and the others fail in the
 * next all-reduce with a misleading "lost rank" error. The check covers the whole epoch, so a run that
 * would fail at the epoch's last step fails before its first. Every rank holds the same plan and the
 * same network, so every rank reaches the same verdict; the values per example come from an inference
 * pass over one example, shared in one small all-reduce (made only when the plan has a batch of a
 * single example at all, which the plan alone tells every rank) so that ranks without examples agree
 * too. The values per example of a
 * sequence ignore its mask: a masked sequence with a single real step is still refused by the layer.
 */
public final class SmallBatchCheck {

    /** Values per channel a batch needs, as {@code SyncBatchNormalizationLayer} requires. */
    static final int MIN_VALUES = 2;

    /** Marks a layer whose values per example are not known on a rank. */
    private static final double UNKNOWN = Double.MAX_VALUE;

    private static final ReduceOp MIN = (accumulator, other) -> {
        for (int i = 0; i < accumulator.length; i++) {
            accumulator[i] = Math.min(accumulator[i], other[i]);
        }
    };

    private SmallBatchCheck() {
    }

    /**
     * Refuses, on the driver or in one process, a plan that gives a layer of {@code network} a batch
     * it cannot normalize: the rule of the worker-side check, with the values per example measured on
     * {@code example}.
     *
     * @param network the network to train (a {@code MultiLayerNetwork} or {@code ComputationGraph})
     * @param split the epoch plan; every epoch of a run has the same batch sizes
     * @param mode how the layers share statistics
     * @param example one training example (any: only its shape matters)
     * @throws IllegalArgumentException naming the step, the worker or group, the rule and the fix
     */
    public static void require(Model network, EpochSplit split, BnMode mode, MultiDataSet example) {
        Objects.requireNonNull(example, "example");
        List<SyncBatchNormalizationLayer> layers = normalizing(network);
        if (mayBeTooSmall(split, mode, layers)) {
            throwIfRefused(split, mode, layers, valuesPerExample(network, layers, example));
        }
    }

    /**
     * The worker-side check: every rank calls it with the same network and plan before the first step
     * of a stage, and every rank returns, or every rank throws the same exception.
     *
     * @param example this rank's next example, or {@code null} if it has none left
     */
    static void require(Model network, EpochSplit split, BnMode mode, Collective collective, MultiDataSet example) {
        List<SyncBatchNormalizationLayer> layers = normalizing(network);
        // A function of the plan and the network alone: every rank takes the same branch.
        if (!mayBeTooSmall(split, mode, layers)) {
            return;
        }
        double[] values = example == null ? unknown(layers.size()) : valuesPerExample(network, layers, example);
        collective.allReduce(values, MIN);
        throwIfRefused(split, mode, layers, values);
    }

    /** The layers that normalize with batch statistics in training, in the network's layer order. */
    static List<SyncBatchNormalizationLayer> normalizing(Model network) {
        return SyncBatchNorm.trainedLayers(network).stream().filter(l -> !l.layerConf().isUseGlobalStats()).toList();
    }

    /**
     * Whether some layer gets a batch of fewer than {@link #MIN_VALUES} examples somewhere in the epoch:
     * only then can a batch have too few values, since every example gives at least one.
     */
    static boolean mayBeTooSmall(EpochSplit split, BnMode mode, List<SyncBatchNormalizationLayer> layers) {
        int groupSize = mode.groupSize(split.workers());
        for (SyncBatchNormalizationLayer layer : layers) {
            if (StatisticsBatches.firstSmall(split, groupSize, layer.layerConf().getVirtualBatchSize(), 0,
                    split.steps(), MIN_VALUES) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The values per channel each layer gets from one example, from an inference pass (running
     * statistics: no communication, no change to the network); {@link #UNKNOWN} for a layer the pass
     * does not reach, and for every layer if the pass fails — the step then reports what is wrong with
     * the example, and a rank that cannot measure must still take part in the all-reduce.
     */
    static double[] valuesPerExample(Model network, List<SyncBatchNormalizationLayer> layers, MultiDataSet example) {
        double[] values = unknown(layers.size());
        try (InputMoments observed = InputMoments.observe(layers)) {
            INDArray[] first = Arrays.stream(example.getFeatures()).map(f -> f.get(NDArrayIndex.interval(0, 1)))
                    .toArray(INDArray[]::new);
            if (network instanceof MultiLayerNetwork mln) {
                mln.output(first[0], false);
            } else {
                ((ComputationGraph) network).output(false, first);
            }
            for (int i = 0; i < layers.size(); i++) {
                long count = observed.moments().get(i).count();
                if (count > 0) {
                    values[i] = count;
                }
            }
        } catch (RuntimeException e) {
            return unknown(layers.size());
        }
        return values;
    }

    private static double[] unknown(int layers) {
        double[] values = new double[layers];
        Arrays.fill(values, UNKNOWN);
        return values;
    }

    /** Throws the refusal of the earliest too-small batch over all layers, if there is one. */
    static void throwIfRefused(EpochSplit split, BnMode mode, List<SyncBatchNormalizationLayer> layers,
            double[] valuesPerExample) {
        int groupSize = mode.groupSize(split.workers());
        StatisticsBatches.Batch worst = null;
        int worstLayer = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (valuesPerExample[i] == UNKNOWN) {
                continue;
            }
            int needed = (int) Math.ceil(MIN_VALUES / valuesPerExample[i]);
            StatisticsBatches.Batch small = StatisticsBatches.firstSmall(split, groupSize,
                    layers.get(i).layerConf().getVirtualBatchSize(), 0, split.steps(), needed);
            if (small != null && (worst == null || small.step() < worst.step())) {
                worst = small;
                worstLayer = i;
            }
        }
        if (worst != null) {
            SyncBatchNormalizationLayer layer = layers.get(worstLayer);
            throw new IllegalArgumentException(SmallBatchMessage.of(split, mode, name(layer),
                    layer.layerConf().getVirtualBatchSize(), (long) valuesPerExample[worstLayer], worst));
        }
    }

    private static String name(SyncBatchNormalizationLayer layer) {
        String name = layer.layerConf().getLayerName();
        return name != null ? name : String.valueOf(layer.getIndex());
    }
}
