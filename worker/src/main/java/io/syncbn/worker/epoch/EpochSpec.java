package io.syncbn.worker.epoch;

import io.syncbn.worker.replica.BnMode;
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
 */
public record EpochSpec(EpochSplit split, BnMode bnMode, int consistencyInterval, boolean graph) implements Serializable {

    /** Validates. */
    public EpochSpec {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(bnMode, "bnMode");
        if (consistencyInterval < 0) {
            throw new IllegalArgumentException("consistencyInterval must be at least 0 (0 = end of epoch only), but got "
                    + consistencyInterval);
        }
    }
}
