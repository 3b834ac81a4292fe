package io.syncbn.worker.replica;

/** How batch-normalization statistics are computed during training. */
public enum BnMode {
    /** Statistics of the global batch: every worker's shard together (synchronized BN). */
    SYNC,
    /**
     * Statistics of each worker's own shard, as plain data-parallel training does: the baseline that
     * shows why synchronization matters. Running statistics are averaged across workers, weighted by
     * their example counts, after every step, so replicas stay identical.
     */
    LOCAL
}
