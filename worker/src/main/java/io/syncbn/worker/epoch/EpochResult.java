package io.syncbn.worker.epoch;

import io.syncbn.api.StepMetrics;
import java.io.Serializable;
import java.util.List;

/**
 * What a worker returns to the driver after an epoch. Only rank 0 carries the trained model and the
 * step metrics (identical on every rank, since they are all-reduced); the others carry their rank and
 * example count, so the driver can check that every worker finished.
 *
 * @param rank the worker's rank
 * @param examples examples this worker trained on
 * @param model rank 0: the network with its updater state, as {@code ModelSerializer} bytes; else empty
 * @param steps rank 0: per-step metrics; else empty
 */
public record EpochResult(int rank, long examples, byte[] model, List<StepMetrics> steps) implements Serializable {
}
