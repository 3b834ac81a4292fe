package io.syncbn.collective;

import java.time.Duration;
import java.util.List;

/**
 * The group of one: every reduction returns its input. Used when a network trains on one replica, so
 * that a synchronized layer behaves as plain batch normalization.
 */
public final class SingleCollective implements Collective {

    private static final SingleCollective INSTANCE = new SingleCollective();

    private SingleCollective() {
    }

    /** The shared world-size-1 collective; it holds no resources. */
    public static SingleCollective instance() {
        return INSTANCE;
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int worldSize() {
        return 1;
    }

    @Override
    public Duration timeout() {
        return Duration.ZERO;
    }

    @Override
    public void allReduce(double[] data, ReduceOp op) {
        // One contribution: the reduction is the contribution itself.
    }

    @Override
    public void allReduceSum(float[] data) {
        // One contribution: the sum is the contribution itself.
    }

    @Override
    public void barrier() {
        // Nobody to wait for.
    }

    @Override
    public List<byte[]> allGather(byte[] payload) {
        return List.of(payload.clone());
    }

    @Override
    public void broadcast(double[] data, int root) {
        checkRoot(root);
    }

    @Override
    public void broadcast(float[] data, int root) {
        checkRoot(root);
    }

    private static void checkRoot(int root) {
        if (root != 0) {
            throw new IllegalArgumentException("root must be in [0, 1), but got " + root);
        }
    }

    @Override
    public Collective split(int groupSize) {
        if (groupSize != 1) {
            throw new IllegalArgumentException(
                    "groupSize must divide the world size 1, but got " + groupSize + "; use 1");
        }
        return this;
    }

    @Override
    public void close() {
        // Nothing held.
    }

    @Override
    public String toString() {
        return "SingleCollective";
    }
}
