package io.syncbn.nn.layers;

import io.syncbn.collective.Collective;
import io.syncbn.nn.kernel.BatchNormKernels;
import io.syncbn.nn.kernel.ChannelLayout;
import io.syncbn.nn.kernel.TensorIO;
import java.util.Arrays;

/**
 * The backward pass of batch normalization with the statistics of the forward pass (Ioffe &amp;
 * Szegedy 2015, section 3): with batch statistics, the per-channel sums {@code [sum(dy), sum(dy *
 * xhat)]} are all-reduced (one collective call), so every worker's input gradient uses the global
 * batch; with running statistics they are constants and nothing is communicated. The gamma and beta
 * gradients stay local sums (the trainer sums gradients across workers).
 */
final class SynchronizedBackward {

    private SynchronizedBackward() {
    }

    /**
     * Writes the input gradient into {@code dx}.
     *
     * @param batchStats whether the forward pass normalized with batch statistics (else running ones)
     * @param collective the group the batch statistics were merged over, or {@code null} when they are
     *     this block's own (ghost BN) or running statistics
     * @param count values per channel the batch statistics were computed over
     * @return {@code [dGamma, dBeta]}, this worker's sums
     */
    static double[][] run(ChannelLayout layout, TensorIO x, TensorIO dy, TensorIO dx, double[] mean, double[] invStd,
            double[] gamma, boolean batchStats, Collective collective, long count) {
        int channels = layout.channels();
        double[] sums = BatchNormKernels.backwardSums(layout, x, dy, mean, invStd);
        double[] localDBeta = Arrays.copyOfRange(sums, 0, channels);
        double[] localDGamma = Arrays.copyOfRange(sums, channels, 2 * channels);
        double[] scale = new double[channels];
        double[] slope = new double[channels];
        double[] offset = new double[channels];
        if (batchStats) {
            if (collective != null) {
                collective.allReduceSum(sums);
            }
            double n = count;
            for (int c = 0; c < channels; c++) {
                scale[c] = gamma[c] * invStd[c];
                slope[c] = -scale[c] * invStd[c] * sums[channels + c] / n;
                offset[c] = -scale[c] * sums[c] / n;
            }
        } else {
            for (int c = 0; c < channels; c++) {
                scale[c] = gamma[c] * invStd[c];
            }
        }
        BatchNormKernels.inputGradient(layout, x, dy, dx, mean, scale, slope, offset);
        return new double[][] {localDGamma, localDBeta};
    }
}
