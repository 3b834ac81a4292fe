package io.syncbn.nn.kernel;

/**
 * Streams up to two input tensors and one output tensor of the same {@link ChannelLayout} through
 * small heap blocks, handing each block to a visitor as runs of values that share a channel.
 *
 * <p>Two shapes of block keep every run cache-resident: when {@code inner} is large (NCHW feature
 * maps, volumes) a block is a piece of one channel's contiguous slab; otherwise a block is a group of
 * whole rows {@code [channels][inner]}, and each channel's values in it form one run (strided by
 * {@code channels} when {@code inner == 1}, as in dense and channels-last layouts).
 */
final class ChannelWalker {

    /** Target number of values per block: 64 KiB of doubles, comfortably inside L2. */
    static final int BLOCK = 8192;

    /** From this many values per channel slab on, blocks are cut from single slabs. */
    static final long SLAB_MIN_INNER = 256;

    /** Receives the runs of one block; {@code a}, {@code b} and {@code out} share indices. */
    @FunctionalInterface
    interface RunVisitor {
        /**
         * @param c the channel of the run
         * @param a the block of the first input
         * @param b the block of the second input, or {@code null}
         * @param out the block to fill for the output, or {@code null}
         * @param start index of the run's first value in the blocks
         * @param count number of values in the run
         * @param stride distance between consecutive values of the run
         */
        void visit(int c, double[] a, double[] b, double[] out, int start, int count, int stride);
    }

    private ChannelWalker() {
    }

    /** Visits every value of the tensors once, in storage order, and writes {@code out} if given. */
    static void walk(ChannelLayout layout, TensorIO a, TensorIO b, TensorIO out, RunVisitor visitor) {
        if (layout.length() == 0) {
            return;
        }
        if (layout.inner() >= SLAB_MIN_INNER) {
            walkSlabs(layout, a, b, out, visitor);
        } else {
            walkRows(layout, a, b, out, visitor);
        }
    }

    private static void walkSlabs(ChannelLayout layout, TensorIO a, TensorIO b, TensorIO out,
            RunVisitor visitor) {
        long inner = layout.inner();
        int block = (int) Math.min(BLOCK, inner);
        double[] bufA = new double[block];
        double[] bufB = b == null ? null : new double[block];
        double[] bufOut = out == null ? null : new double[block];
        long slabs = layout.outer() * layout.channels();
        for (long s = 0; s < slabs; s++) {
            int c = (int) (s % layout.channels());
            long base = s * inner;
            for (long done = 0; done < inner; done += block) {
                int len = (int) Math.min(block, inner - done);
                a.read(base + done, bufA, len);
                if (b != null) {
                    b.read(base + done, bufB, len);
                }
                visitor.visit(c, bufA, bufB, bufOut, 0, len, 1);
                if (out != null) {
                    out.write(base + done, bufOut, len);
                }
            }
        }
    }

    private static void walkRows(ChannelLayout layout, TensorIO a, TensorIO b, TensorIO out,
            RunVisitor visitor) {
        int channels = layout.channels();
        int inner = (int) layout.inner();
        int rowLength = channels * inner;
        int rowsPerBlock = Math.max(1, BLOCK / rowLength);
        int block = rowsPerBlock * rowLength;
        double[] bufA = new double[block];
        double[] bufB = b == null ? null : new double[block];
        double[] bufOut = out == null ? null : new double[block];
        long outer = layout.outer();
        for (long row = 0; row < outer; row += rowsPerBlock) {
            int rows = (int) Math.min(rowsPerBlock, outer - row);
            int len = rows * rowLength;
            long base = row * rowLength;
            a.read(base, bufA, len);
            if (b != null) {
                b.read(base, bufB, len);
            }
            if (inner == 1) {
                for (int c = 0; c < channels; c++) {
                    visitor.visit(c, bufA, bufB, bufOut, c, rows, channels);
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < channels; c++) {
                        visitor.visit(c, bufA, bufB, bufOut, r * rowLength + c * inner, inner, 1);
                    }
                }
            }
            if (out != null) {
                out.write(base, bufOut, len);
            }
        }
    }
}
