package io.syncbn.collective;

/**
 * An element-wise reduction applied by {@link Collective#allReduce(double[], ReduceOp)}.
 *
 * <p>The operator must be associative and commutative in exact arithmetic. A collective applies it
 * in an order that depends only on the world size (never on arrival order), and always passes the
 * contribution of the lower ranks as {@code accumulator}, so every rank ends with bit-identical
 * results.
 */
@FunctionalInterface
public interface ReduceOp {

    /** Element-wise sum; the operator used for gradients and for backward-pass statistics. */
    ReduceOp SUM = (accumulator, other) -> {
        for (int i = 0; i < accumulator.length; i++) {
            accumulator[i] += other[i];
        }
    };

    /**
     * Folds {@code other} into {@code accumulator}.
     *
     * @param accumulator the reduction of a set of ranks; overwritten with the combined value
     * @param other the reduction of a disjoint set of ranks, of the same length; left unchanged
     */
    void combine(double[] accumulator, double[] other);
}
