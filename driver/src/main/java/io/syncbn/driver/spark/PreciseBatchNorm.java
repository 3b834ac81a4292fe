package io.syncbn.driver.spark;

import io.syncbn.nn.InputMoments;
import io.syncbn.nn.SyncBatchNorm;
import io.syncbn.nn.layers.InferenceStatistics;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.nn.params.SyncBatchNormParamInitializer;
import io.syncbn.stats.ChannelMoments;
import io.syncbn.worker.epoch.EpochLoop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PreciseBN (Wu &amp; Johnson 2021, "Rethinking 'Batch' in BatchNorm", section 3.1): replaces the
 * running statistics of every trained batch-normalization layer — exponential moving averages that
 * lag behind the weights — by the population statistics of the layer's input under the current,
 * frozen weights, measured on Spark across all workers.
 *
 * <p>The examples are shuffled with a seed; the first {@code batches × batchSize} of them form {@code
 * batches} batches of {@code batchSize}, and batch k goes whole to task k mod N. Each batch is passed
 * through the network normalizing, in every layer, with that batch's own statistics (as training with
 * global batch {@code batchSize} normalizes; nothing is communicated), and each layer's input moments
 * are merged exactly over all batches (Chan et al.): the population mean, and the population variance
 * of the inputs as training normalized them — a count-weighted average of the batch means and
 * variances, not an EMA. Since every batch is processed whole and the merge is exact, the result does
 * not depend on the number of workers (to rounding). Frozen layers keep their statistics.
 */
public final class PreciseBatchNorm {

    private PreciseBatchNorm() {
    }

    /**
     * Recomputes the running statistics of {@code network}'s trained batch-normalization layers in
     * place.
     *
     * @param data training examples, elements of any size
     * @param batchSize examples per batch (the training's global batch), at least 1
     * @param batches batches to average over, at least 1
     * @param workers Spark tasks, at least 1
     * @param seed seed of the shuffle that picks the examples
     * @return the population moments per trained layer, in layer order
     * @throws IllegalArgumentException for a bad size, or when the data hold fewer than {@code batches ×
     *     batchSize} examples (naming both)
     */
    public static List<ChannelMoments> apply(JavaSparkContext sc, Model network, JavaRDD<MultiDataSet> data,
            int batchSize, int batches, int workers, long seed) {
        require("batchSize", batchSize);
        require("batches", batches);
        require("workers", workers);
        long needed = (long) batches * batchSize;
        EpochPartitioner.Ranked ranked = EpochPartitioner.rank(data, seed, 0, "give it at least " + needed
                + " examples");
        if (ranked.count() < needed) {
            throw new IllegalArgumentException("PreciseBN over " + batches + " batches of " + batchSize + " needs "
                    + needed + " examples, but the data hold " + ranked.count() + "; use at most "
                    + ranked.count() / batchSize + " batches or a smaller batch");
        }
        boolean graph = network instanceof ComputationGraph;
        Broadcast<byte[]> snapshot = sc.broadcast(EpochLoop.snapshot(network));
        try {
            List<double[]> parts = ranked.examples().filter(t -> t._1() < needed)
                    .repartitionAndSortWithinPartitions(new WorkerPartitioner(workers, batchSize)).values()
                    .mapPartitions(new BatchMoments(snapshot, graph, batchSize)).collect();
            List<SyncBatchNormalizationLayer> layers = SyncBatchNorm.trainedLayers(network);
            int[] channels = layers.stream().mapToInt(l -> (int) l.layerConf().getNOut()).toArray();
            List<ChannelMoments> population = new ArrayList<>();
            for (int c : channels) {
                population.add(ChannelMoments.empty(c));
            }
            for (double[] part : parts) {
                List<ChannelMoments> moments = ChannelMoments.unpackAll(part, channels);
                for (int i = 0; i < channels.length; i++) {
                    population.set(i, population.get(i).merge(moments.get(i)));
                }
            }
            for (int i = 0; i < layers.size(); i++) {
                store(layers.get(i), population.get(i));
            }
            return population;
        } finally {
            snapshot.destroy();
        }
    }

    private static void store(SyncBatchNormalizationLayer layer, ChannelMoments population) {
        boolean unbiased = layer.layerConf().getRunningVariance()
                == io.syncbn.nn.conf.SyncBatchNormalization.RunningVariance.UNBIASED && population.count() > 1;
        double[] variance = unbiased ? population.unbiasedVariance() : population.biasedVariance();
        var mean = layer.getParam(SyncBatchNormParamInitializer.GLOBAL_MEAN);
        var var = layer.getParam(SyncBatchNormParamInitializer.GLOBAL_VAR);
        mean.assign(Nd4j.createFromArray(population.mean()).reshape(mean.shape()).castTo(mean.dataType()));
        var.assign(Nd4j.createFromArray(variance).reshape(var.shape()).castTo(var.dataType()));
    }

    private static void require(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, but got " + value);
        }
    }

    /** One task: the merged input moments of every trained BN layer over the task's whole batches. */
    static final class BatchMoments implements FlatMapFunction<Iterator<MultiDataSet>, double[]> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<byte[]> snapshot;
        private final boolean graph;
        private final int batchSize;

        BatchMoments(Broadcast<byte[]> snapshot, boolean graph, int batchSize) {
            this.snapshot = snapshot;
            this.graph = graph;
            this.batchSize = batchSize;
        }

        @Override
        public Iterator<double[]> call(Iterator<MultiDataSet> examples) {
            Model net = EpochLoop.restore(snapshot.value(), graph);
            List<SyncBatchNormalizationLayer> layers = SyncBatchNorm.trainedLayers(net);
            for (SyncBatchNormalizationLayer layer : layers) {
                layer.setInferenceStatistics(InferenceStatistics.BATCH, batchSize);
            }
            try (InputMoments observed = InputMoments.observe(layers)) {
                List<MultiDataSet> batch = new ArrayList<>();
                while (examples.hasNext()) {
                    batch.add(examples.next());
                    if (batch.size() == batchSize || !examples.hasNext()) {
                        MultiDataSet b = org.nd4j.linalg.dataset.MultiDataSet.merge(batch);
                        if (net instanceof MultiLayerNetwork mln) {
                            mln.output(b.getFeatures(0), false);
                        } else {
                            ((ComputationGraph) net).output(false, b.getFeatures());
                        }
                        batch.clear();
                    }
                }
                return List.of(ChannelMoments.packAll(observed.moments())).iterator();
            }
        }
    }
}
