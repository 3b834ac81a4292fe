package io.syncbn.worker.epoch;

import io.syncbn.api.BnMode;
import io.syncbn.worker.split.EpochSplit;
import java.io.Serializable;
import java.util.Objects;

/**
 * What every worker needs to know to run an epoch, identical on all of them.
 *
 * @param split how the epoch's examples are split into per-worker shards and steps
 * @param bnMode synchronized or per-worker batch statistics
 * @param consistencyInterval compare replica checksums every this many global steps (0: only at the
 *     end of the epoch)
 * @param graph whether the network is a ComputationGraph (else a MultiLayerNetwork)
 * @param fromStep first step of the plan to run (a resumed epoch skips the steps before it)
 * @param toStep one past the last step to run
 * @param diagnosticsEvery measure the batch statistics' divergence every this many global steps (0: never)
 */
public record EpochSpec(EpochSplit split, BnMode bnMode, int consistencyInterval, boolean graph, int fromStep,
        int toStep, int diagnosticsEvery) implements Serializable {

    /** Validates. */
    public EpochSpec {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(bnMode, "bnMode");
        bnMode.requireCompatible(split.workers());
        if (diagnosticsEvery < 0) {
            throw new IllegalArgumentException("diagnosticsEvery must be at least 0 (0: never), but got "
                    + diagnosticsEvery);
        }
        if (consistencyInterval < 0) {
            throw new IllegalArgumentException("consistencyInterval must be at least 0 (0 = end of epoch only), but got "
                    + consistencyInterval);
        }
        if (fromStep < 0 || toStep > split.steps() || fromStep >= toStep) {
            throw new IllegalArgumentException("steps must satisfy 0 <= fromStep < toStep <= " + split.steps()
                    + " (the epoch's steps), but got fromStep " + fromStep + " and toStep " + toStep);
        }
    }

    /** A whole epoch. */
    public EpochSpec(EpochSplit split, BnMode bnMode, int consistencyInterval, boolean graph) {
        this(split, bnMode, consistencyInterval, graph, 0, split.steps(), 0);
    }

    /** Whether this runs the epoch's last step. */
    public boolean endsEpoch() {
        return toStep == split.steps();
    }

    /** Examples worker {@code rank} trains on in steps {@code [from, to)}. */
    public long examplesOf(int rank, int from, int to) {
        long n = 0;
        for (int s = from; s < to; s++) {
            n += split.shardSize(rank, s);
        }
        return n;
    }
}
