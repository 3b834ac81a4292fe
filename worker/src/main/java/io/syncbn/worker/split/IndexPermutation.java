package io.syncbn.worker.split;

import java.io.Serializable;

/**
 * A pseudo-random permutation of {@code [0, size)} chosen by a seed, evaluated one index at a time
 * in constant memory: a balanced Feistel network on the smallest power-of-four domain that holds
 * {@code size}, with cycle walking to stay inside {@code [0, size)} (J. Black and P. Rogaway,
 * "Ciphers with Arbitrary Finite Domains", CT-RSA 2002). The round function is SplitMix64.
 */
public final class IndexPermutation implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int ROUNDS = 6;

    private final long size;
    private final long seed;
    private final int halfBits;
    private final long halfMask;

    /**
     * @param size number of indices, at least 1
     * @param seed selects the permutation
     */
    public IndexPermutation(long size, long seed) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1, but got " + size);
        }
        this.size = size;
        this.seed = seed;
        int bits = 64 - Long.numberOfLeadingZeros(Math.max(1, size - 1));
        this.halfBits = Math.max(1, (bits + 1) / 2);
        this.halfMask = (1L << halfBits) - 1;
    }

    /** The image of {@code index}, in {@code [0, size)}. */
    public long apply(long index) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("index must be in [0, " + size + "), but got " + index);
        }
        long x = index;
        do {
            x = feistel(x);
        } while (x >= size);
        return x;
    }

    /** Number of indices. */
    public long size() {
        return size;
    }

    private long feistel(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (int round = 0; round < ROUNDS; round++) {
            long next = left ^ (mix(seed + round * 0x9E3779B97F4A7C15L + right) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** SplitMix64's finalizer (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
