package io.syncbn.worker.epoch;

import io.syncbn.worker.split.EpochSplit;

/**
 * The batches whose statistics a batch-normalization layer computes in the steps of an epoch plan,
 * counted in examples: in each step, the shards of each group of {@code groupSize} consecutive workers
 * together (1: each worker's own shard, as in local mode; all workers: the global batch, as in sync
 * mode) — or, for a ghost-BN layer, each virtual batch of {@code virtualBatch} consecutive examples of
 * a worker's shard, the last one shorter. A batch without examples sits its step out and is never
 * small.
 */
final class StatisticsBatches {

    /**
     * One batch of the plan.
     *
     * @param step the step, from 0
     * @param firstWorker the first worker whose examples it holds
     * @param workers how many consecutive workers' shards it spans (1 for a virtual batch)
     * @param examples examples in the batch
     * @param shard for a virtual batch, the examples of the worker's shard it is the last of; else
     *     {@code examples}
     */
    record Batch(int step, int firstWorker, int workers, int examples, int shard) {
    }

    private StatisticsBatches() {
    }

    /**
     * The first batch, in step order and then worker order, of steps {@code [from, to)} that holds at
     * least one and fewer than {@code fewerThan} examples; {@code null} if there is none.
     *
     * @param groupSize workers that share statistics; divides the split's workers
     * @param virtualBatch the ghost-BN virtual batch size, or 0 for none (then {@code groupSize} applies)
     */
    static Batch firstSmall(EpochSplit split, int groupSize, int virtualBatch, int from, int to, int fewerThan) {
        if (groupSize < 1 || split.workers() % groupSize != 0 || virtualBatch < 0) {
            throw new IllegalArgumentException("groupSize must divide the " + split.workers() + " workers and "
                    + "virtualBatch must be at least 0, but got groupSize " + groupSize + " and virtualBatch "
                    + virtualBatch);
        }
        for (int s = from; s < to; s++) {
            if (virtualBatch > 0) {
                for (int k = 0; k < split.workers(); k++) {
                    int shard = split.shardSize(k, s);
                    int last = shard % virtualBatch == 0 ? Math.min(shard, virtualBatch) : shard % virtualBatch;
                    if (last > 0 && last < fewerThan) {
                        return new Batch(s, k, 1, last, shard);
                    }
                }
                continue;
            }
            for (int first = 0; first < split.workers(); first += groupSize) {
                int examples = 0;
                for (int k = first; k < first + groupSize; k++) {
                    examples += split.shardSize(k, s);
                }
                if (examples > 0 && examples < fewerThan) {
                    return new Batch(s, first, groupSize, examples, examples);
                }
            }
        }
        return null;
    }
}
