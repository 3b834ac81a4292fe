package io.syncbn.driver.spark;

import io.syncbn.worker.split.EpochSplit;
import io.syncbn.worker.split.IndexPermutation;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;

/**
 * Reshuffles an epoch's examples with the job's seed and splits them into one partition per worker,
 * each in the order its worker will train on them ({@link EpochSplit}): one counting job and one
 * shuffle; the permutation is computed per example, so the data are never sorted by a random key.
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
        Ranked ranked = rank(data, seed, epoch, "give it at least one global batch (" + workers + " workers x "
                + perWorkerBatch + " examples)");
        EpochSplit split = new EpochSplit(ranked.count(), workers, perWorkerBatch, seed, epoch);
        JavaRDD<MultiDataSet> ordered = ranked.examples()
                .repartitionAndSortWithinPartitions(new WorkerPartitioner(workers))
                .values();
        return new Partitioned(ordered, split);
    }

    /** Every example paired with its rank under the permutation of a seed and an epoch. */
    record Ranked(JavaPairRDD<Long, MultiDataSet> examples, long count) {
    }

    /**
     * Pairs every example with its rank: the permutation ({@link EpochSplit#permutation()}, which
     * depends only on the count, the seed and the epoch) of its global index. One counting job.
     *
     * @param fix what to say when there is no example
     * @throws IllegalArgumentException if there are no examples
     */
    static Ranked rank(JavaRDD<MultiDataSet> data, long seed, int epoch, String fix) {
        JavaRDD<MultiDataSet> examples = data.flatMap(m -> m.asList().iterator());
        // One counting job gives both the total and each input partition's first index (what
        // zipWithIndex would compute with a job of its own).
        List<Long> counts = examples.mapPartitions(it -> {
            long n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        long[] offsets = new long[counts.size()];
        long count = 0;
        for (int p = 0; p < offsets.length; p++) {
            offsets[p] = count;
            count += counts.get(p);
        }
        if (count == 0) {
            throw new IllegalArgumentException("the training RDD holds no examples; " + fix);
        }
        IndexPermutation permutation = new EpochSplit(count, 1, 1, seed, epoch).permutation();
        JavaPairRDD<Long, MultiDataSet> ranked = examples
                .mapPartitionsWithIndex((p, it) -> ranked(it, offsets[p], permutation), true)
                .mapToPair(t -> t);
        return new Ranked(ranked, count);
    }

    /** Pairs each example of a partition with its rank: the permutation of its global index. */
    private static Iterator<Tuple2<Long, MultiDataSet>> ranked(Iterator<MultiDataSet> examples, long first,
            IndexPermutation permutation) {
        return new Iterator<>() {
            private long next = first;

            @Override
            public boolean hasNext() {
                return examples.hasNext();
            }

            @Override
            public Tuple2<Long, MultiDataSet> next() {
                return new Tuple2<>(permutation.apply(next++), examples.next());
            }
        };
    }
}
