package io.syncbn.driver.spark;

import org.apache.spark.Partitioner;

/**
 * Sends rank {@code r} of an epoch's permutation to partition (worker) {@code (r div block) mod N}:
 * with blocks of 1, example by example as training splits an epoch; with blocks of a batch size,
 * whole batches to one worker (PreciseBN).
 */
final class WorkerPartitioner extends Partitioner {

    private static final long serialVersionUID = 1L;

    private final int workers;
    private final int block;

    /** Ranks one by one: {@code r mod N}. */
    WorkerPartitioner(int workers) {
        this(workers, 1);
    }

    /** Consecutive blocks of {@code block} ranks to one worker each, in turn. */
    WorkerPartitioner(int workers, int block) {
        this.workers = workers;
        this.block = block;
    }

    @Override
    public int numPartitions() {
        return workers;
    }

    @Override
    public int getPartition(Object key) {
        return (int) (((Long) key / block) % workers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkerPartitioner other && other.workers == workers && other.block == block;
    }

    @Override
    public int hashCode() {
        return 31 * block + workers;
    }
}
