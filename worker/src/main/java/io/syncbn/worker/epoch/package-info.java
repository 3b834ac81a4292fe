/**
 * One epoch on one worker: restore the replica from the driver's snapshot, stream this worker's
 * examples into per-step shards, take every global step, check replica consistency, and return the
 * result. {@link io.syncbn.worker.epoch.EpochLoop} has no Spark dependency; {@link
 * io.syncbn.worker.epoch.BarrierEpochTask} runs it inside a Spark barrier task.
 */
package io.syncbn.worker.epoch;
