/**
 * Benchmarks behind {@code scripts/bench-*}: each prints medians measured in one run and the ratios
 * the issues set targets for, ending with a machine-readable {@code RESULT} line. {@code
 * scripts/bench-collective} ({@link io.syncbn.bench.CollectiveBenchmark}) measures the TCP collectives
 * against loopback TCP baselines and a Spark barrier {@code allGather}.
 */
package io.syncbn.bench;
