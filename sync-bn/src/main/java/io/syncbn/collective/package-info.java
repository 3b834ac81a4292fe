/**
 * Collective communication between the replicas of one training job: the {@link
 * io.syncbn.collective.Collective} interface, the reduction operators it applies, and the
 * implementations that need no network — {@link io.syncbn.collective.SingleCollective} (world size
 * 1) and {@link io.syncbn.collective.InProcessGroup} (one thread per rank, for tests and single-JVM
 * runs). Transports that cross process boundaries implement the same interface, so the layer and the
 * trainer never know which one runs.
 */
package io.syncbn.collective;
