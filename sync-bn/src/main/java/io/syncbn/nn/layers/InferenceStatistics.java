package io.syncbn.nn.layers;

/** The statistics an inference-mode forward pass normalizes with. */
public enum InferenceStatistics {
    /** The running statistics (what a deployed model does; the default). */
    RUNNING,
    /**
     * The statistics of the input itself, each block of a chosen number of consecutive examples by
     * its own ({@link SyncBatchNormalizationLayer#setInferenceStatistics}), without communicating and
     * without updating the running statistics: the normalization the network was trained with, for
     * diagnostics.
     */
    BATCH
}
