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
 */
public record TcpConfig(JobSecret secret, Duration timeout, int ringThresholdBytes, int chainThresholdBytes,
        int maxGatherBytes) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default deadline of a blocking operation, sized for training steps. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    /**
     * Default crossover from recursive doubling to the ring, measured with {@code scripts/bench-collective
     * --sweep} on loopback (2 cores, 4 ranks, medians): see the table in {@link TcpCollective}.
     */
    public static final int DEFAULT_RING_THRESHOLD_BYTES = 256 * 1024;

    /** Default crossover from the binomial tree to the chain for broadcasts, measured the same way. */
    public static final int DEFAULT_CHAIN_THRESHOLD_BYTES = 1024 * 1024;

    /** Default cap of one rank's {@code allGather} payload: metadata, not tensors. */
    public static final int DEFAULT_MAX_GATHER_BYTES = 1024 * 1024;

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
    }

    /** The defaults, with the given secret. */
    public TcpConfig(JobSecret secret) {
        this(secret, DEFAULT_TIMEOUT, DEFAULT_RING_THRESHOLD_BYTES, DEFAULT_CHAIN_THRESHOLD_BYTES,
                DEFAULT_MAX_GATHER_BYTES);
    }

    /** This configuration with another {@link #timeout}. */
    public TcpConfig withTimeout(Duration newTimeout) {
        return new TcpConfig(secret, newTimeout, ringThresholdBytes, chainThresholdBytes, maxGatherBytes);
    }

    /** This configuration with another {@link #ringThresholdBytes}. */
    public TcpConfig withRingThresholdBytes(int bytes) {
        return new TcpConfig(secret, timeout, bytes, chainThresholdBytes, maxGatherBytes);
    }

    /** This configuration with another {@link #chainThresholdBytes}. */
    public TcpConfig withChainThresholdBytes(int bytes) {
        return new TcpConfig(secret, timeout, ringThresholdBytes, bytes, maxGatherBytes);
    }

    /** This configuration with another {@link #maxGatherBytes}. */
    public TcpConfig withMaxGatherBytes(int bytes) {
        return new TcpConfig(secret, timeout, ringThresholdBytes, chainThresholdBytes, bytes);
    }
}
