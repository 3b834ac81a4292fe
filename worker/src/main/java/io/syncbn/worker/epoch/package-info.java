/**
 * One epoch on one worker: restore the replica from the driver's snapshot, refuse a plan whose
 * batches a batch-normalization layer cannot normalize ({@link io.syncbn.worker.epoch.SmallBatchCheck},
 * the same verdict on every rank), stream this worker's examples into per-step shards, take every
 * global step with its own random seed, check replica consistency, and return the result. {@link io.syncbn.worker.epoch.EpochLoop} has no Spark dependency; {@link
 * io.syncbn.worker.epoch.BarrierEpochTask} runs it inside a Spark barrier task.
 */
package io.syncbn.worker.epoch;
