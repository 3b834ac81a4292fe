/**
 * A network replica taking synchronous data-parallel steps: local forward/backward with synchronized
 * batch normalization, one all-reduce of the raw gradients (with the step's loss, accuracy and
 * example counts riding along), then the same DL4J updater step on every replica, so replicas stay
 * bit-identical. No Spark here: the barrier task in {@code io.syncbn.worker} drives it.
 */
package io.syncbn.worker.replica;
