package io.syncbn.nn.layers;

import io.syncbn.stats.ChannelMoments;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch statistics of sequences with padding: for {@code [N, C, T]} inputs and a mask {@code [N, T]}
 * (1 for a real step, 0 for padding), the per-channel moments count only the real steps, so padded
 * sequences normalize exactly as their unpadded concatenation would. Synchronization merges these
 * moments like any others: the counts come from the mask.
 */
final class SequenceMask {

    private SequenceMask() {
    }

    /**
     * Checks that {@code mask} fits {@code x} and the channel axis.
     *
     * @throws IllegalArgumentException naming the shapes and the rule
     */
    static void require(INDArray x, INDArray mask, int axis, String where) {
        if (x.rank() != 3 || axis != 1) {
            throw new IllegalArgumentException(where + ": a mask is supported for [N, C, T] inputs with the channel on "
                    + "axis 1, but the input has shape " + Arrays.toString(x.shape()) + " and channel axis " + axis);
        }
        if (mask.rank() != 2 || mask.size(0) != x.size(0) || mask.size(1) != x.size(2)) {
            throw new IllegalArgumentException(where + ": the mask must have shape [N, T] = [" + x.size(0) + ", "
                    + x.size(2) + "] for input " + Arrays.toString(x.shape()) + ", but has shape "
                    + Arrays.toString(mask.shape()));
        }
    }

    /** Per-channel moments of the real steps of {@code x} (two passes, float64). */
    static ChannelMoments moments(INDArray x, INDArray mask) {
        int n = (int) x.size(0);
        int channels = (int) x.size(1);
        int steps = (int) x.size(2);
        double[] v = x.castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector();
        double[] m = mask.castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector();
        long count = 0;
        for (double w : m) {
            count += w != 0 ? 1 : 0;
        }
        double[] mean = new double[channels];
        double[] m2 = new double[channels];
        if (count == 0) {
            return new ChannelMoments(0, mean, m2);
        }
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < steps; t++) {
                    if (m[i * steps + t] != 0) {
                        sum += v[(i * channels + c) * steps + t];
                    }
                }
            }
            mean[c] = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < steps; t++) {
                    if (m[i * steps + t] != 0) {
                        double d = v[(i * channels + c) * steps + t] - mean[c];
                        sq += d * d;
                    }
                }
            }
            m2[c] = sq;
        }
        return new ChannelMoments(count, mean, m2);
    }

    /**
     * Restores the gradient of padded steps: their inputs do not enter the statistics, so their
     * gradient is the direct path only, {@code scale · dy} (what the full formula wrote there also
     * counted the statistics' dependence on them).
     */
    static void padGradient(INDArray dx, INDArray dy, INDArray mask, double[] scale) {
        int n = (int) dx.size(0);
        int channels = (int) dx.size(1);
        int steps = (int) dx.size(2);
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < steps; t++) {
                if (mask.getDouble(i, t) == 0) {
                    for (int c = 0; c < channels; c++) {
                        dx.putScalar(new long[] {i, c, t}, scale[c] * dy.getDouble(i, c, t));
                    }
                }
            }
        }
    }
}
