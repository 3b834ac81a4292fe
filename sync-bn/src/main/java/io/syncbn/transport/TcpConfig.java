package io.syncbn.transport;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How the ranks of one job talk over TCP. Serializable, so the driver can build it once and ship it
 * to every task; every rank must use the same values (ranks that disagree on an algorithm threshold
 * fail at their first collective with a message naming both choices).
 *
 * @param secret the job's secret, used to authenticate every connection; never printed
 * @param timeout the deadline of every blocking operation, connection set-up included; positive
 * @param ringThresholdBytes all-reduce sums of at least this many bytes use the ring algorithm, smaller
 *     ones recursive doubling; 0 forces the ring, {@link Integer#MAX_VALUE} forbids it
 * @param chainThresholdBytes broadcasts of at least this many bytes are pipelined along a chain,
 *     smaller ones go down a binomial tree; 0 forces the chain, {@link Integer#MAX_VALUE} forbids it
 * @param maxGatherBytes the largest payload {@code allGather} accepts from one rank, in
 *     [0, {@link #MAX_GATHER_LIMIT}]; larger frames are refused before any memory is allocated
 * @param spin how long a rank keeps polling its sockets, yielding the CPU between polls, before it
 *     blocks in the selector; in [0, timeout]. Waking a blocked thread costs more than a small
 *     message's whole trip on a virtual machine, so a short poll cuts small all-reduces by half or more
 */
public record TcpConfig(JobSecret secret, Duration timeout, int ringThresholdBytes, int chainThresholdBytes,
        int maxGatherBytes, Duration spin) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default deadline of a blocking operation, sized for training steps. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    /**
     * Default crossover from recursive doubling to the ring: 1 MiB. Measured with {@code
     * scripts/bench-collective --sweep} (loopback, 2 cores, ranks as threads, float sums, p50 of the
     * per-rank call time in microseconds, recursive doubling / ring):
     *
     * <pre>
     *   bytes       4 ranks            8 ranks
     *   256 KiB    192 /  225        560 /  666
     *   512 KiB    365 /  372       1033 / 1106
     *     1 MiB   1098 /  666       3014 / 1766
     *     4 MiB   6499 / 4501      19846 / 11574
     * </pre>
     *
     * Up to 512 KiB recursive doubling is as fast or faster; from 1 MiB the ring takes 0.53-0.69 of
     * its time. BN moments ({@code 2C + 1} doubles, 16 KiB at C = 1024) stay far below; gradients
     * (megabytes) go by the ring.
     */
    public static final int DEFAULT_RING_THRESHOLD_BYTES = 1024 * 1024;

    /**
     * Default crossover from the binomial tree to the chain for broadcasts: 1 MiB, measured the same
     * way (binomial / chain, microseconds): 4 ranks 1 MiB 427 / 234, 4 MiB 1816 / 1852, 16 MiB 10812 /
     * 7864; 8 ranks 1 MiB 776 / 369, 4 MiB 5070 / 3234, 16 MiB 21467 / 16635. Below 1 MiB the two
     * are within the noise of this machine, and the tree has fewer steps.
     */
    public static final int DEFAULT_CHAIN_THRESHOLD_BYTES = 1024 * 1024;

    /** Default cap of one rank's {@code allGather} payload: metadata, not tensors. */
    public static final int DEFAULT_MAX_GATHER_BYTES = 1024 * 1024;

    /**
     * Default poll before blocking: 100 us. Measured with the same sweep (BN moments, C = 1024, p50 in
     * microseconds by poll length 0 / 20 / 50 / 100 / 200 / 500 us): 2 ranks 31 / 25 / 17 / 8.0 / 7.9 /
     * 7.8; 4 ranks 53 / 33 / 31 / 34 / 34 / 34; 8 ranks 137 / 98 / 96 / 97 / 94 / 94. Blocking at once
     * costs 2-4 times more; beyond 100 us nothing improves, and a longer poll only burns more CPU while
     * a slow peer computes.
     */
    public static final Duration DEFAULT_SPIN = Duration.ofNanos(100_000);

    /** Largest allowed {@link #maxGatherBytes}: 64 MiB. */
    public static final int MAX_GATHER_LIMIT = 64 * 1024 * 1024;

    /** Validates every parameter; the messages name the parameter, the rule and the value. */
    public TcpConfig {
        Objects.requireNonNull(secret, "secret must not be null");
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but got " + timeout);
        }
        if (ringThresholdBytes < 0) {
            throw new IllegalArgumentException("ringThresholdBytes must be at least 0, but got " + ringThresholdBytes);
        }
        if (chainThresholdBytes < 0) {
            throw new IllegalArgumentException(
                    "chainThresholdBytes must be at least 0, but got " + chainThresholdBytes);
        }
        if (maxGatherBytes < 0 || maxGatherBytes > MAX_GATHER_LIMIT) {
            throw new IllegalArgumentException("maxGatherBytes must be in [0, " + MAX_GATHER_LIMIT + "], but got "
                    + maxGatherBytes);
        }
        Objects.requireNonNull(spin, "spin must not be null");
        if (spin.isNegative() || spin.compareTo(timeout) > 0) {
            throw new IllegalArgumentException("spin must be in [0, timeout = " + timeout + "], but got " + spin);
        }
    }

    /** The defaults, with the given secret. */
    public TcpConfig(JobSecret secret) {
        this(secret, DEFAULT_TIMEOUT, DEFAULT_RING_THRESHOLD_BYTES, DEFAULT_CHAIN_THRESHOLD_BYTES,
                DEFAULT_MAX_GATHER_BYTES, DEFAULT_SPIN);
    }

    /** This configuration with another {@link #timeout}. */
    public TcpConfig withTimeout(Duration newTimeout) {
        return new TcpConfig(secret, newTimeout, ringThresholdBytes, chainThresholdBytes, maxGatherBytes, spin);
    }

    /** This configuration with another {@link #ringThresholdBytes}. */
    public TcpConfig withRingThresholdBytes(int bytes) {
        return new TcpConfig(secret, timeout, bytes, chainThresholdBytes, maxGatherBytes, spin);
    }

    /** This configuration with another {@link #chainThresholdBytes}. */
    public TcpConfig withChainThresholdBytes(int bytes) {
        return new TcpConfig(secret, timeout, ringThresholdBytes, bytes, maxGatherBytes, spin);
    }

    /** This configuration with another {@link #maxGatherBytes}. */
    public TcpConfig withMaxGatherBytes(int bytes) {
        return new TcpConfig(secret, timeout, ringThresholdBytes, chainThresholdBytes, bytes, spin);
    }

    /** This configuration with another {@link #spin}. */
    public TcpConfig withSpin(Duration newSpin) {
        return new TcpConfig(secret, timeout, ringThresholdBytes, chainThresholdBytes, maxGatherBytes, newSpin);
    }
}
