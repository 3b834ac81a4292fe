package io.syncbn.nn.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Streams up to two input tensors and one output tensor of the same {@link ChannelLayout} through
 * small heap blocks, handing each block to a visitor as runs of values that share a channel.
 *
 * <p>Two shapes of block keep every run cache-resident: when {@code inner} is large (NCHW feature
 * maps, volumes) a block is a piece of one channel's contiguous slab; otherwise a block is a group of
 * whole rows {@code [channels][inner]}, and each channel's values in it form one run (strided by
 * {@code channels} when {@code inner == 1}, as in dense and channels-last layouts).
 *
 * <p>Large float tensors are walked by several threads, each owning a range of channels (see {@link
 * #parallelism}); every channel's runs arrive in the same order either way.
 */
final class ChannelWalker {

    /** Target number of values per block: 64 KiB of doubles, comfortably inside L2. */
    static final int BLOCK = 8192;

    /** From this many values per channel slab on, blocks are cut from single slabs. */
    static final long SLAB_MIN_INNER = 256;

    /** Shortest runs that are walked by several threads (channels split between them). */
    static final long PARALLEL_MIN_INNER = 16;

    /** Smallest tensors that are walked by several threads. */
    static final long PARALLEL_MIN_VALUES = 1 << 16;

    /** Receives the runs of one block; {@code a}, {@code b} and {@code out} share indices. */
    @FunctionalInterface
    interface RunVisitor<A> {
        /**
         * @param c the channel of the run
         * @param a the block of the first input
         * @param b the block of the second input, or {@code null}
         * @param out the block to fill for the output, or {@code null}
         * @param start index of the run's first value in the blocks
         * @param count number of values in the run
         * @param stride distance between consecutive values of the run
         */
        void visit(int c, A a, A b, A out, int start, int count, int stride);
    }

    /**
     * Heap blocks of one element type: {@code double[]} (any tensor, floats widened) or {@code
     * float[]} (float tensors, copied as they are: the JIT does not vectorize widening, which costs
     * about 1.4 ns a value here, more than the arithmetic).
     */
    interface Blocks<A> {
        A create(int length);

        void read(TensorIO io, long position, A dst, int length);

        void write(TensorIO io, long position, A src, int length);
    }

    /** Blocks of doubles, from float or double tensors. */
    static final Blocks<double[]> DOUBLES = new Blocks<>() {
        @Override
        public double[] create(int length) {
            return new double[length];
        }

        @Override
        public void read(TensorIO io, long position, double[] dst, int length) {
            io.read(position, dst, length);
        }

        @Override
        public void write(TensorIO io, long position, double[] src, int length) {
            io.write(position, src, length);
        }
    };

    /** Blocks of floats, from float tensors only. */
    static final Blocks<float[]> FLOATS = new Blocks<>() {
        @Override
        public float[] create(int length) {
            return new float[length];
        }

        @Override
        public void read(TensorIO io, long position, float[] dst, int length) {
            ((TensorIO.Floats) io).readFloats(position, dst, length);
        }

        @Override
        public void write(TensorIO io, long position, float[] src, int length) {
            ((TensorIO.Floats) io).writeFloats(position, src, length);
        }
    };

    private ChannelWalker() {
    }

    /** Visits every value of the tensors once, in storage order, and writes {@code out} if given. */
    static <A> void walk(ChannelLayout layout, TensorIO a, TensorIO b, TensorIO out, Blocks<A> blocks,
            RunVisitor<A> visitor) {
        if (layout.length() == 0) {
            return;
        }
        int parts = parallelism(layout, blocks);
        if (parts > 1) {
            IntStream.range(0, parts).parallel().forEach(p -> walkChannels(layout, a, b, out, blocks, visitor,
                    layout.channels() * p / parts, layout.channels() * (p + 1) / parts));
            return;
        }
        if (layout.inner() >= SLAB_MIN_INNER) {
            walkChannels(layout, a, b, out, blocks, visitor, 0, layout.channels());
        } else {
            walkRows(layout, a, b, out, blocks, visitor);
        }
    }

    /**
     * Threads for one walk: 1, or for float blocks of runs of at least {@value #PARALLEL_MIN_INNER}
     * values and tensors of at least {@value #PARALLEL_MIN_VALUES} values, as many as the calling
     * thread's OpenMP setting allows (a Spark task limited to one core walks alone), the common
     * fork-join pool provides and there are channels.
     */
    private static int parallelism(ChannelLayout layout, Blocks<?> blocks) {
        if (blocks != FLOATS || layout.inner() < PARALLEL_MIN_INNER || layout.length() < PARALLEL_MIN_VALUES) {
            return 1;
        }
        int allowed = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        int threads = Math.min(allowed, ForkJoinPool.getCommonPoolParallelism() + 1);
        return Math.max(1, Math.min(threads, layout.channels()));
    }

    /**
     * The runs of channels {@code [from, to)}: for each outer index, each channel's run of {@code
     * inner} values in blocks (all channels: the slabs in storage order). Every channel sees its runs
     * in the same order, cut the same way, whatever the channel range, so results do not depend on
     * the number of threads.
     */
    private static <A> void walkChannels(ChannelLayout layout, TensorIO a, TensorIO b, TensorIO out,
            Blocks<A> blocks, RunVisitor<A> visitor, int from, int to) {
        long inner = layout.inner();
        int block = (int) Math.min(BLOCK, inner);
        A bufA = blocks.create(block);
        A bufB = b == null ? null : blocks.create(block);
        A bufOut = out == null ? null : blocks.create(block);
        for (long o = 0; o < layout.outer(); o++) {
            for (int c = from; c < to; c++) {
                long base = (o * layout.channels() + c) * inner;
                for (long done = 0; done < inner; done += block) {
                    int len = (int) Math.min(block, inner - done);
                    blocks.read(a, base + done, bufA, len);
                    if (b != null) {
                        blocks.read(b, base + done, bufB, len);
                    }
                    visitor.visit(c, bufA, bufB, bufOut, 0, len, 1);
                    if (out != null) {
                        blocks.write(out, base + done, bufOut, len);
                    }
                }
            }
        }
    }

    private static <A> void walkRows(ChannelLayout layout, TensorIO a, TensorIO b, TensorIO out,
            Blocks<A> blocks, RunVisitor<A> visitor) {
        int channels = layout.channels();
        int inner = (int) layout.inner();
        int rowLength = channels * inner;
        int rowsPerBlock = Math.max(1, BLOCK / rowLength);
        int block = rowsPerBlock * rowLength;
        A bufA = blocks.create(block);
        A bufB = b == null ? null : blocks.create(block);
        A bufOut = out == null ? null : blocks.create(block);
        long outer = layout.outer();
        for (long row = 0; row < outer; row += rowsPerBlock) {
            int rows = (int) Math.min(rowsPerBlock, outer - row);
            int len = rows * rowLength;
            long base = row * rowLength;
            blocks.read(a, base, bufA, len);
            if (b != null) {
                blocks.read(b, base, bufB, len);
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
                blocks.write(out, base, bufOut, len);
            }
        }
    }
}
