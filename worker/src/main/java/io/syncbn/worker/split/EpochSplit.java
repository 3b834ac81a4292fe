package io.syncbn.worker.split;

import java.io.Serializable;

/**
 * Where each example of an epoch goes: example {@code g} (its index in the input order) takes rank
 * {@code r = π(g)} under the epoch's permutation, and goes to worker {@code r mod N} at position
 * {@code r div N}. Worker {@code k} therefore holds {@code ⌊E/N⌋} or {@code ⌈E/N⌉} examples, and
 * step {@code s} takes positions {@code [s·b, (s+1)·b)} from every worker; the global batch of a
 * step is the concatenation of the workers' shards in rank order.
 *
 * @param examples E, examples in the epoch
 * @param workers N
 * @param perWorkerBatch b
 * @param seed the job's seed
 * @param epoch the epoch number (mixed into the permutation so each epoch reshuffles)
 */
public record EpochSplit(long examples, int workers, int perWorkerBatch, long seed, int epoch) implements Serializable {

    /** SplitMix64's increment, 2^64 / φ: keeps consecutive fields apart before each mix. */
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** Validates the sizes. */
    public EpochSplit {
        if (examples < 1) {
            throw new IllegalArgumentException("examples must be at least 1, but got " + examples);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, but got " + workers);
        }
        if (perWorkerBatch < 1) {
            throw new IllegalArgumentException("perWorkerBatch must be at least 1, but got " + perWorkerBatch);
        }
    }

    /** The epoch's permutation. */
    public IndexPermutation permutation() {
        return new IndexPermutation(examples, IndexPermutation.mix(seed ^ (0x632BE59BD9B4E019L * (epoch + 1))));
    }

    /**
     * The seed of the random draws (dropout masks, noise) worker {@code worker} makes in step {@code
     * step} of this epoch: a SplitMix64 chain over (seed, epoch, step, worker), so every worker draws
     * differently, every step draws afresh, and a run resumed at any step draws exactly what an
     * uninterrupted run draws there — nothing about the generator needs to be checkpointed. Changing
     * this function changes the draws of every run, including resumed ones.
     *
     * @param step the step of the epoch, from 0
     * @param worker the worker's rank in the group, from 0
     */
    public long randomSeed(int step, int worker) {
        if (step < 0 || worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("randomSeed needs step >= 0 and 0 <= worker < " + workers
                    + " (workers), but got step " + step + " and worker " + worker);
        }
        long h = IndexPermutation.mix(seed + GOLDEN_GAMMA);
        h = IndexPermutation.mix(h + GOLDEN_GAMMA + epoch);
        h = IndexPermutation.mix(h + GOLDEN_GAMMA + step);
        return IndexPermutation.mix(h + GOLDEN_GAMMA + worker);
    }

    /** The worker of rank {@code r}. */
    public int workerOf(long rank) {
        return (int) (rank % workers);
    }

    /** Position of rank {@code r} in its worker's sequence. */
    public long positionOf(long rank) {
        return rank / workers;
    }

    /** Examples held by worker {@code k}. */
    public long examplesOf(int k) {
        return examples / workers + (k < examples % workers ? 1 : 0);
    }

    /** Steps every worker runs: enough for the largest worker. */
    public int steps() {
        long largest = examplesOf(0);
        return Math.toIntExact((largest + perWorkerBatch - 1) / perWorkerBatch);
    }

    /** Examples worker {@code k} contributes to step {@code s} (0 once it has run out). */
    public int shardSize(int k, int step) {
        long remaining = examplesOf(k) - (long) step * perWorkerBatch;
        return (int) Math.max(0, Math.min(perWorkerBatch, remaining));
    }
}
