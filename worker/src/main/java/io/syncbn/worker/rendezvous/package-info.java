/**
 * How the ranks of a job find each other before they talk over {@link
 * io.syncbn.transport.TcpCollective}: inside a Spark barrier stage ({@link
 * io.syncbn.worker.rendezvous.BarrierRendezvous}, one {@code allGather} of addresses), from a known
 * list of addresses ({@link io.syncbn.worker.rendezvous.StaticRendezvous}), or all in one JVM over
 * loopback for tests and benchmarks ({@link io.syncbn.worker.rendezvous.LoopbackRendezvous}).
 */
package io.syncbn.worker.rendezvous;
