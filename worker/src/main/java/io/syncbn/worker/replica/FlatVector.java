package io.syncbn.worker.replica;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between a contiguous ND4J vector (a network's flattened parameters, gradients or
 * updater state) and a Java array, through ND4J's native buffer, without per-element calls.
 */
final class FlatVector {

    private FlatVector() {
    }

    /** Copies {@code v} into {@code dst[offset..offset + v.length())}. */
    static void read(INDArray v, float[] dst, int offset) {
        floats(v).get(0, dst, offset, (int) v.length());
    }

    /** Copies {@code src[offset..offset + v.length())} into {@code v}. */
    static void write(float[] src, int offset, INDArray v) {
        floats(v).put(0, src, offset, (int) v.length());
    }

    /** Copies {@code v} into {@code dst[offset..offset + v.length())}. */
    static void read(INDArray v, double[] dst, int offset) {
        doubles(v).get(0, dst, offset, (int) v.length());
    }

    /** Copies {@code src[offset..offset + v.length())} into {@code v}. */
    static void write(double[] src, int offset, INDArray v) {
        doubles(v).put(0, src, offset, (int) v.length());
    }

    private static FloatBuffer floats(INDArray v) {
        requireContiguous(v, DataType.FLOAT);
        return v.data().asNioFloat().slice();
    }

    private static DoubleBuffer doubles(INDArray v) {
        requireContiguous(v, DataType.DOUBLE);
        return v.data().asNioDouble().slice();
    }

    private static void requireContiguous(INDArray v, DataType type) {
        if (v.dataType() != type) {
            throw new IllegalArgumentException("vector must be " + type + ", but is " + v.dataType());
        }
        long expected = 1;
        for (int d = v.rank() - 1; d >= 0; d--) {
            if (v.size(d) != 1 && v.stride(d) != expected) {
                throw new IllegalArgumentException("vector must be contiguous, but has shape "
                        + java.util.Arrays.toString(v.shape()) + " and strides " + java.util.Arrays.toString(v.stride()));
            }
            expected *= v.size(d);
        }
    }
}
