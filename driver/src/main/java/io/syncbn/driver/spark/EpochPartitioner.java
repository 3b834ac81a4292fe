package io.syncbn.driver.spark;

import io.syncbn.worker.split.EpochSplit;
import io.syncbn.worker.split.IndexPermutation;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;

/**
 * Reshuffles an epoch's examples with the job's seed and splits them into one partition per worker,
 * each in the order its worker will train on them ({@link EpochSplit}): one counting job and one
 * shuffle, no sort of the data.
 */
final class EpochPartitioner {

    /** The partitioned examples and the plan that produced them. */
    record Partitioned(JavaRDD<MultiDataSet> examples, EpochSplit split) {
    }

    private EpochPartitioner() {
    }

    /**
     * @param data the training data, elements of any size
     * @param workers N
     * @param perWorkerBatch b
     * @param seed job seed
     * @param epoch epoch number
     * @throws IllegalArgumentException if there are no examples
     */
    static Partitioned partition(JavaRDD<MultiDataSet> data, int workers, int perWorkerBatch, long seed, int epoch) {
        JavaRDD<MultiDataSet> examples = data.flatMap(m -> m.asList().iterator());
        JavaPairRDD<MultiDataSet, Long> indexed = examples.zipWithIndex();
        long count = indexed.count();
        if (count == 0) {
            throw new IllegalArgumentException("the training RDD holds no examples; give it at least one global batch ("
                    + workers + " workers x " + perWorkerBatch + " examples)");
        }
        EpochSplit split = new EpochSplit(count, workers, perWorkerBatch, seed, epoch);
        IndexPermutation permutation = split.permutation();
        JavaRDD<MultiDataSet> ordered = indexed
                .mapToPair(t -> new Tuple2<>(permutation.apply(t._2()), t._1()))
                .repartitionAndSortWithinPartitions(new WorkerPartitioner(workers))
                .values();
        return new Partitioned(ordered, split);
    }
}
