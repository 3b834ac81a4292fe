package io.syncbn.transport;

import io.syncbn.collective.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;

/**
 * A {@code double[]} reduced with a {@link ReduceOp}. Sums run element-wise on the wire buffers; any
 * other operator receives whole decoded arrays, since an operator such as Chan's merge reads a header
 * element ({@code count}) for every other element, so it is only ever applied to whole vectors.
 */
final class DoubleOperand implements Operand {

    private final double[] data;
    private final ReduceOp op;
    private double[] decoded;

    DoubleOperand(double[] data, ReduceOp op) {
        this.data = data;
        this.op = op;
    }

    @Override
    public int length() {
        return data.length;
    }

    @Override
    public int elementBytes() {
        return Double.BYTES;
    }

    @Override
    public void put(int from, int to, ByteBuffer out) {
        out.clear();
        out.asDoubleBuffer().put(data, from, to - from);
        out.limit((to - from) * Double.BYTES);
    }

    @Override
    public void get(ByteBuffer in, int from, int to) {
        in.asDoubleBuffer().get(data, from, to - from);
    }

    @Override
    public void foldLower(ByteBuffer lower, int from, int to) {
        if (op == ReduceOp.SUM) {
            DoubleBuffer src = lower.asDoubleBuffer();
            for (int i = 0, j = from; j < to; i++, j++) {
                data[j] = src.get(i) + data[j];
            }
            return;
        }
        double[] acc = decodeWhole(lower, from, to);
        op.combine(acc, data);
        System.arraycopy(acc, 0, data, 0, data.length);
    }

    @Override
    public void foldHigher(ByteBuffer higher, int from, int to) {
        if (op == ReduceOp.SUM) {
            DoubleBuffer src = higher.asDoubleBuffer();
            for (int i = 0, j = from; j < to; i++, j++) {
                data[j] = data[j] + src.get(i);
            }
            return;
        }
        op.combine(data, decodeWhole(higher, from, to));
    }

    @Override
    public void addAndPut(ByteBuffer in, int from, int to, ByteBuffer out) {
        if (op != ReduceOp.SUM) {
            throw new IllegalStateException("addAndPut is for sums, but this operand reduces with " + op);
        }
        DoubleBuffer src = in.asDoubleBuffer();
        out.clear();
        DoubleBuffer dst = out.asDoubleBuffer();
        for (int i = 0, j = from; j < to; i++, j++) {
            double sum = data[j] + src.get(i);
            data[j] = sum;
            dst.put(i, sum);
        }
        out.limit((to - from) * Double.BYTES);
    }

    private double[] decodeWhole(ByteBuffer in, int from, int to) {
        if (from != 0 || to != data.length) {
            throw new IllegalStateException("a custom ReduceOp folds whole vectors, but got the range [" + from
                    + ", " + to + ") of " + data.length);
        }
        if (decoded == null) {
            decoded = new double[data.length];
        }
        in.asDoubleBuffer().get(decoded);
        return decoded;
    }
}
