/**
 * Benchmarks of the collectives, run by {@code scripts/bench-collective}: loopback TCP baselines, a
 * Spark barrier {@code allGather} for contrast, all-reduce latency and bandwidth of {@link
 * io.syncbn.transport.TcpCollective}, and sweeps that place its algorithm crossovers. Not shipped.
 */
package io.syncbn.bench;
