/**
 * A network replica taking synchronous data-parallel steps: local forward/backward with batch
 * normalization synchronized over all workers, over groups of workers, or not at all ({@link
 * io.syncbn.api.BnMode}), one all-reduce of the raw gradients (with the step's loss,
 * accuracy and example counts riding along), then the same DL4J updater step on every replica, so
 * replicas stay bit-identical; optionally, every K steps, how far each worker's batch statistics are
 * from the global batch's ({@link io.syncbn.api.StepMetrics}). No Spark here: the barrier
 * task in {@code io.syncbn.worker} drives it.
 */
package io.syncbn.worker.replica;
