package io.syncbn.transport;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/** A {@code float[]} summed in float: gradients. */
final class FloatOperand implements Operand {

    private final float[] data;

    FloatOperand(float[] data) {
        this.data = data;
    }

    @Override
    public int length() {
        return data.length;
    }

    @Override
    public int elementBytes() {
        return Float.BYTES;
    }

    @Override
    public void put(int from, int to, ByteBuffer out) {
        out.clear();
        out.asFloatBuffer().put(data, from, to - from);
        out.limit((to - from) * Float.BYTES);
    }

    @Override
    public void get(ByteBuffer in, int from, int to) {
        in.asFloatBuffer().get(data, from, to - from);
    }

    @Override
    public void foldLower(ByteBuffer lower, int from, int to) {
        add(lower, from, to);
    }

    @Override
    public void foldHigher(ByteBuffer higher, int from, int to) {
        add(higher, from, to);
    }

    /** Addition commutes bit for bit, so lower and higher fold alike. */
    private void add(ByteBuffer in, int from, int to) {
        FloatBuffer src = in.asFloatBuffer();
        for (int i = 0, j = from; j < to; i++, j++) {
            data[j] += src.get(i);
        }
    }

    @Override
    public void addAndPut(ByteBuffer in, int from, int to, ByteBuffer out) {
        FloatBuffer src = in.asFloatBuffer();
        out.clear();
        FloatBuffer dst = out.asFloatBuffer();
        for (int i = 0, j = from; j < to; i++, j++) {
            float sum = data[j] + src.get(i);
            data[j] = sum;
            dst.put(i, sum);
        }
        out.limit((to - from) * Float.BYTES);
    }
}
