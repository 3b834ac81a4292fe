package io.syncbn.driver.study;

import java.util.Locale;
import java.util.Objects;

/**
 * The identity of one cell of a study: the per-worker batch, the batch-normalization mode and the
 * seed. Two cells with the same identity train the same run (with the study's fixed global batch,
 * epochs, data and model), so a resumed study recognizes the cells it has finished by this value.
 *
 * @param perWorkerBatch b, examples per worker per step; the cell trains {@code globalBatch / b} workers
 * @param bn the mode in its canonical text form: {@code sync}, {@code local}, {@code group:K}, {@code
 *     ghost:V} (ghost BN with virtual batches of V) or {@code renorm} (local statistics with batch
 *     renormalization)
 * @param seed the seed of the initial weights and of the data order
 */
public record StudyCell(int perWorkerBatch, String bn, long seed) {

    /** Validates. */
    public StudyCell {
        if (perWorkerBatch < 1) {
            throw new IllegalArgumentException("perWorkerBatch must be at least 1, but got " + perWorkerBatch);
        }
        Objects.requireNonNull(bn, "bn");
        if (!bn.matches("sync|local|renorm|(group|ghost):[1-9][0-9]*")) {
            throw new IllegalArgumentException("bn must be sync, local, group:K, ghost:V (K, V >= 1) or renorm, but got \""
                    + bn + "\"");
        }
    }

    /** A file-name-safe identifier, e.g. {@code b4-group4-s1}; distinct cells have distinct identifiers. */
    public String id() {
        return String.format(Locale.ROOT, "b%d-%s-s%d", perWorkerBatch, bn.replace(":", ""), seed);
    }
}
