package io.syncbn.nn.layers;

import io.syncbn.nn.kernel.BatchNormKernels;
import io.syncbn.nn.kernel.ChannelLayout;
import io.syncbn.nn.kernel.TensorIO;
import io.syncbn.stats.ChannelMoments;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Ghost batch normalization in training (Hoffer, Hubara &amp; Soudry 2017, "Train longer, generalize
 * better", section 4): consecutive virtual batches of a worker's shard, each normalized with its own
 * statistics, forward and backward. The forward pass also serves inference with batch statistics for
 * the train/inference-gap diagnostic ({@link InferenceStatistics#BATCH}). Blocks are read and written in place through {@link
 * TensorIO#range}; the per-channel arithmetic is the plain layer's ({@link BatchNormKernels}).
 */
final class GhostBatchNorm {

    /**
     * One virtual batch of a forward pass: where it lies and the statistics it was normalized with.
     *
     * @param from first element (flat index) of the block
     * @param shape the block's shape
     * @param mean per-channel mean
     * @param invStd per-channel 1 / √(biased variance + ε)
     * @param moments the block's moments
     */
    record Block(long from, long[] shape, double[] mean, double[] invStd, ChannelMoments moments) {
    }

    /**
     * What the backward pass needs.
     *
     * @param blocks the virtual batches, in order
     * @param whole the moments of the whole shard (all blocks merged)
     */
    record State(List<Block> blocks, ChannelMoments whole) {
    }

    /** Refuses a block whose statistics have too few values. */
    @FunctionalInterface
    interface CountCheck {
        /** @throws IllegalArgumentException if {@code count} values per channel cannot be normalized */
        void require(long count, long[] shape);
    }

    private GhostBatchNorm() {
    }

    /**
     * Normalizes {@code x} into {@code out} by blocks of {@code v} examples.
     *
     * @param check refuses a block with fewer than 2 values per channel
     */
    static State forward(INDArray x, INDArray out, int axis, int v, double eps, double[] gamma, double[] beta,
            CountCheck check) {
        long n = x.size(0);
        long perExample = n == 0 ? 0 : x.length() / n;
        TensorIO in = TensorIO.of(x);
        TensorIO to = TensorIO.of(out);
        int channels = gamma.length;
        List<Block> blocks = new ArrayList<>();
        ChannelMoments whole = ChannelMoments.empty(channels);
        for (long first = 0; first < n; first += v) {
            long[] shape = x.shape().clone();
            shape[0] = Math.min(n, first + v) - first;
            long from = first * perExample;
            long length = shape[0] * perExample;
            ChannelLayout layout = ChannelLayout.of(shape, axis);
            ChannelMoments m = BatchNormKernels.moments(layout, in.range(from, length));
            check.require(m.count(), shape);
            double[] variance = m.biasedVariance();
            double[] invStd = new double[channels];
            double[] scale = new double[channels];
            for (int c = 0; c < channels; c++) {
                invStd[c] = 1.0 / Math.sqrt(variance[c] + eps);
                scale[c] = gamma[c] * invStd[c];
            }
            BatchNormKernels.normalize(layout, in.range(from, length), to.range(from, length), m.mean(), scale, beta);
            blocks.add(new Block(from, shape, m.mean(), invStd, m));
            whole = whole.merge(m);
        }
        return new State(blocks, whole);
    }

    /**
     * The input gradient into {@code dx} and the gamma and beta gradients (local sums over all
     * blocks), each block with its own statistics.
     *
     * @return {@code [dGamma, dBeta]}
     */
    static double[][] backward(State state, INDArray x, INDArray dy, INDArray dx, int axis, double[] gamma) {
        int channels = gamma.length;
        double[] dGamma = new double[channels];
        double[] dBeta = new double[channels];
        TensorIO xs = TensorIO.of(x);
        TensorIO dys = TensorIO.of(dy);
        TensorIO dxs = TensorIO.of(dx);
        for (Block b : state.blocks()) {
            long length = b.moments().count() * channels;
            ChannelLayout layout = ChannelLayout.of(b.shape(), axis);
            double[][] gammaBeta = SynchronizedBackward.run(layout, xs.range(b.from(), length),
                    dys.range(b.from(), length), dxs.range(b.from(), length), b.mean(), b.invStd(), gamma, true, null,
                    b.moments().count());
            for (int c = 0; c < channels; c++) {
                dGamma[c] += gammaBeta[0][c];
                dBeta[c] += gammaBeta[1][c];
            }
        }
        return new double[][] {dGamma, dBeta};
    }

    /**
     * The statistics the running averages are updated with: the mean over the blocks of their means
     * and of their variances (biased, or unbiased per block), as Keras does for virtual batches.
     *
     * @return {@code [mean, variance]}
     */
    static double[][] runningUpdate(State state, boolean unbiased) {
        int channels = state.whole().channels();
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (Block b : state.blocks()) {
            double[] v = unbiased ? b.moments().unbiasedVariance() : b.moments().biasedVariance();
            for (int c = 0; c < channels; c++) {
                mean[c] += b.mean()[c];
                variance[c] += v[c];
            }
        }
        int k = state.blocks().size();
        for (int c = 0; c < channels; c++) {
            mean[c] /= k;
            variance[c] /= k;
        }
        return new double[][] {mean, variance};
    }
}
