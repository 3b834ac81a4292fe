package io.syncbn.driver.spark;

import org.apache.spark.Partitioner;

/** Sends rank {@code r} of an epoch's permutation to partition (worker) {@code r mod N}. */
final class WorkerPartitioner extends Partitioner {

    private static final long serialVersionUID = 1L;

    private final int workers;

    WorkerPartitioner(int workers) {
        this.workers = workers;
    }

    @Override
    public int numPartitions() {
        return workers;
    }

    @Override
    public int getPartition(Object key) {
        return (int) (((Long) key) % workers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkerPartitioner other && other.workers == workers;
    }

    @Override
    public int hashCode() {
        return workers;
    }
}
