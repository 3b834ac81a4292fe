/**
 * Benchmarks behind {@code scripts/bench-*}: each prints medians measured in one run and the ratios
 * the issues set targets for, ending with a machine-readable {@code RESULT} line.
 */
package io.syncbn.bench;
