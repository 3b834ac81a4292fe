package io.syncbn.nn.kernel;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between an ND4J array's native memory and a Java {@code double[]}, a block at a time,
 * without materializing the whole array on the heap. Float arrays are widened on read and rounded on
 * write; double arrays are copied.
 */
public abstract sealed class TensorIO permits TensorIO.Floats, TensorIO.Doubles {

    /**
     * Access to {@code array}, which must be row-major with default strides (see {@link
     * #isStreamable}).
     */
    public static TensorIO of(INDArray array) {
        if (!isStreamable(array)) {
            throw new IllegalArgumentException("array must be row-major and contiguous, float or double, but has "
                    + "shape " + java.util.Arrays.toString(array.shape()) + ", strides "
                    + java.util.Arrays.toString(array.stride()) + " and type " + array.dataType()
                    + "; dup('c') or cast it first");
        }
        if (array.dataType() == DataType.FLOAT) {
            return new Floats(array.isEmpty() ? FloatBuffer.allocate(0) : array.data().asNioFloat().slice());
        }
        if (array.dataType() == DataType.DOUBLE) {
            return new Doubles(array.isEmpty() ? DoubleBuffer.allocate(0) : array.data().asNioDouble().slice());
        }
        throw new IllegalArgumentException("data type must be FLOAT or DOUBLE, but got " + array.dataType());
    }

    /** Whether {@link #of} accepts {@code array} as it is (row-major, default strides, float or double). */
    public static boolean isStreamable(INDArray array) {
        if (array.isEmpty()) {
            return true;
        }
        return isRowMajorContiguous(array.shape(), array.stride())
                && (array.dataType() == DataType.FLOAT || array.dataType() == DataType.DOUBLE);
    }

    /**
     * Whether elements lie in row-major order without gaps. Strides of size-1 dimensions never matter
     * (ND4J gives them arbitrary values), so they are not compared.
     */
    static boolean isRowMajorContiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** Copies {@code length} values starting at element {@code position} into {@code dst[0..length)}. */
    public abstract void read(long position, double[] dst, int length);

    /** Copies {@code src[0..length)} to the elements starting at {@code position}. */
    public abstract void write(long position, double[] src, int length);

    /**
     * Access to the elements {@code [from, from + length)} of this storage, as positions {@code [0,
     * length)}: a block of consecutive examples of a row-major batch, without copying.
     */
    public abstract TensorIO range(long from, long length);

    /** Whether the storage is float (then {@link Floats#readFloats} and {@link Floats#writeFloats} copy as is). */
    public boolean isFloat() {
        return this instanceof Floats;
    }

    /** Float storage: widened to double on read, rounded to nearest on write. */
    static final class Floats extends TensorIO {
        private final FloatBuffer buffer;
        private float[] scratch = new float[0];

        Floats(FloatBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void read(long position, double[] dst, int length) {
            float[] s = scratch(length);
            buffer.get(Math.toIntExact(position), s, 0, length);
            for (int i = 0; i < length; i++) {
                dst[i] = s[i];
            }
        }

        @Override
        public void write(long position, double[] src, int length) {
            float[] s = scratch(length);
            for (int i = 0; i < length; i++) {
                s[i] = (float) src[i];
            }
            buffer.put(Math.toIntExact(position), s, 0, length);
        }

        @Override
        public TensorIO range(long from, long length) {
            return new Floats(buffer.slice(Math.toIntExact(from), Math.toIntExact(length)));
        }

        /** Copies {@code length} values starting at element {@code position} into {@code dst[0..length)}. */
        void readFloats(long position, float[] dst, int length) {
            buffer.get(Math.toIntExact(position), dst, 0, length);
        }

        /** Copies {@code src[0..length)} to the elements starting at {@code position}. */
        void writeFloats(long position, float[] src, int length) {
            buffer.put(Math.toIntExact(position), src, 0, length);
        }

        private float[] scratch(int length) {
            if (scratch.length < length) {
                scratch = new float[length];
            }
            return scratch;
        }
    }

    /** Double storage: plain copies. */
    static final class Doubles extends TensorIO {
        private final DoubleBuffer buffer;

        Doubles(DoubleBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void read(long position, double[] dst, int length) {
            buffer.get(Math.toIntExact(position), dst, 0, length);
        }

        @Override
        public void write(long position, double[] src, int length) {
            buffer.put(Math.toIntExact(position), src, 0, length);
        }

        @Override
        public TensorIO range(long from, long length) {
            return new Doubles(buffer.slice(Math.toIntExact(from), Math.toIntExact(length)));
        }
    }
}
