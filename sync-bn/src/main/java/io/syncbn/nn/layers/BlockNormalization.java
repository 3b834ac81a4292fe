package io.syncbn.nn.layers;

import io.syncbn.nn.kernel.BatchNormKernels;
import io.syncbn.nn.kernel.ChannelLayout;
import io.syncbn.nn.kernel.TensorIO;
import io.syncbn.stats.ChannelMoments;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch normalization of consecutive blocks of examples, each with its own statistics: the
 * normalization a worker holding {@code block} examples per step was trained with, applied at
 * inference time for the train/inference-gap diagnostic. Blocks are read and written in place
 * through {@link TensorIO#range}, without copies.
 */
final class BlockNormalization {

    /** Refuses a block whose statistics have too few values. */
    @FunctionalInterface
    interface CountCheck {
        /** @throws IllegalArgumentException if {@code count} values per channel cannot be normalized */
        void require(long count, long[] shape);
    }

    private BlockNormalization() {
    }

    /**
     * Normalizes {@code x} into {@code out} (both row-major, the batch on axis 0), block by block.
     *
     * @param axis the channel axis
     * @param block examples per block, at least 1; the last block may be shorter
     * @param observer receives each block's moments, or {@code null}
     * @param check refuses a block with too few values
     */
    static void run(INDArray x, INDArray out, int axis, int block, double eps, double[] gamma, double[] beta,
            Consumer<ChannelMoments> observer, CountCheck check) {
        long n = x.size(0);
        long perExample = n == 0 ? 0 : x.length() / n;
        TensorIO in = TensorIO.of(x);
        TensorIO to = TensorIO.of(out);
        int channels = gamma.length;
        for (long from = 0; from < n; from += block) {
            long[] shape = x.shape().clone();
            shape[0] = Math.min(n, from + block) - from;
            long length = shape[0] * perExample;
            ChannelLayout layout = ChannelLayout.of(shape, axis);
            TensorIO source = in.range(from * perExample, length);
            ChannelMoments m = BatchNormKernels.moments(layout, source);
            if (observer != null) {
                observer.accept(m);
            }
            check.require(m.count(), shape);
            double[] variance = m.biasedVariance();
            double[] scale = new double[channels];
            for (int c = 0; c < channels; c++) {
                scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
            }
            BatchNormKernels.normalize(layout, source, to.range(from * perExample, length), m.mean(), scale, beta);
        }
    }
}
