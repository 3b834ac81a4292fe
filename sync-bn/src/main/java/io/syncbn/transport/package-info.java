/**
 * The TCP transport of the collectives: {@link io.syncbn.transport.TcpCollective}, a {@link
 * io.syncbn.collective.Collective} over persistent, authenticated connections between the ranks of a
 * job, its settings ({@link io.syncbn.transport.TcpConfig}) and the job's secret ({@link
 * io.syncbn.transport.JobSecret}). Everything else here is package-private: the connection set-up and
 * handshake, the frame format, the non-blocking I/O loop, and one class per algorithm (recursive
 * doubling, ring, dissemination, binomial tree, chain), each after Thakur, Rabenseifner and Gropp,
 * "Optimization of Collective Communication Operations in MPICH" (2005). No Spark here: how ranks
 * learn each other's addresses is the caller's business.
 */
package io.syncbn.transport;
