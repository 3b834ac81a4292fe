package io.syncbn.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of a sample of durations. */
final class Percentiles {

    private final long[] sorted;

    Percentiles(long[] sample) {
        if (sample.length == 0) {
            throw new IllegalArgumentException("sample must not be empty");
        }
        sorted = sample.clone();
        Arrays.sort(sorted);
    }

    /** The {@code q}-quantile, {@code q} in (0, 1]: the smallest value with at least {@code q} of the sample at or below it. */
    long at(double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    long p50() {
        return at(0.50);
    }

    long p99() {
        return at(0.99);
    }
}
