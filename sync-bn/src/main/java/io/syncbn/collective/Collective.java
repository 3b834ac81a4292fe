package io.syncbn.collective;

import java.time.Duration;
import java.util.List;

/**
 * One rank's handle on a group of replicas that exchange data.
 *
 * <p>Lifecycle: a collective is opened already joined to its group (by the factory of the
 * implementation); then every rank calls the same sequence of collective operations with arrays of
 * the same length; then every rank calls {@link #close()}. A collective is used by one thread at a
 * time.
 *
 * <p>Every blocking operation has a deadline ({@link #timeout()}): a rank that never arrives makes
 * the others fail with a {@link CollectiveTimeoutException} naming the missing ranks, never hang.
 * After a failure the collective is broken and every later call fails at once.
 *
 * <p>Results are deterministic: every rank ends with bit-identical arrays, whatever the order in
 * which ranks arrive, so replicas that apply the same update stay identical.
 */
public interface Collective extends AutoCloseable {

    /** This replica's rank, in {@code [0, worldSize())}. */
    int rank();

    /** The number of ranks in the group. */
    int worldSize();

    /** The deadline of each blocking operation. */
    Duration timeout();

    /**
     * Reduces {@code data} across all ranks with {@code op} and leaves the result, identical on every
     * rank, in {@code data}.
     *
     * @param data this rank's contribution; the same length on every rank
     * @param op the reduction; the same operator on every rank
     * @throws CollectiveException if a rank fails, leaves, disagrees on the length, or misses the
     *     deadline
     */
    void allReduce(double[] data, ReduceOp op);

    /** Element-wise sum of {@code data} across all ranks, in place. */
    default void allReduceSum(double[] data) {
        allReduce(data, ReduceOp.SUM);
    }

    /**
     * Element-wise sum of {@code data} across all ranks, in place, accumulated in float.
     *
     * @param data this rank's contribution; the same length on every rank
     */
    void allReduceSum(float[] data);

    /** Blocks until every rank has arrived, or the deadline passes. */
    void barrier();

    /**
     * Collects one small byte payload from every rank; for exchanging metadata, not tensors.
     *
     * @param payload this rank's payload; lengths may differ between ranks
     * @return a copy of every rank's payload, indexed by rank, the same on every rank
     * @throws CollectiveException if a rank fails, leaves, misses the deadline, or sends a payload
     *     larger than the implementation accepts
     * @throws IllegalArgumentException if this rank's payload is larger than the implementation accepts
     */
    List<byte[]> allGather(byte[] payload);

    /**
     * Copies {@code root}'s {@code data} into {@code data} on every rank, e.g. the initial parameters.
     *
     * @param data the root's values on the root; overwritten elsewhere; the same length on every rank
     * @param root the rank whose values are sent, the same on every rank
     */
    void broadcast(double[] data, int root);

    /**
     * Copies {@code root}'s {@code data} into {@code data} on every rank.
     *
     * @param data the root's values on the root; overwritten elsewhere; the same length on every rank
     * @param root the rank whose values are sent, the same on every rank
     */
    void broadcast(float[] data, int root);

    /**
     * Splits the group into consecutive groups of {@code groupSize} ranks (ranks {@code [0, k)},
     * {@code [k, 2k)}, ...) and returns this rank's group. Every rank must call it with the same
     * size. The returned collective has its own ranks, starting at 0; closing it leaves this one open.
     *
     * @param groupSize the size of each group; must divide {@link #worldSize()}
     */
    Collective split(int groupSize);

    /** Leaves the group and frees what this rank holds. Idempotent. */
    @Override
    void close();
}
