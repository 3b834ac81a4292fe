package io.syncbn.nn.kernel;

import io.syncbn.stats.ChannelMoments;

/**
 * The four passes of batch normalization over a tensor, each one streaming pass, with every
 * per-channel quantity in double (S. Ioffe and C. Szegedy, "Batch Normalization: Accelerating Deep
 * Network Training by Reducing Internal Covariate Shift", ICML 2015).
 *
 * <p>Forward: {@link #moments} of the local shard, then (once the caller has merged them globally)
 * {@link #normalize}. Backward: {@link #backwardSums} of the local shard, then (once merged) {@link
 * #inputGradient}. With {@code xhat = (x - mean) * invStd} and {@code N} the global count,
 *
 * <pre>
 *   dx = gamma * invStd * (dy - sum(dy) / N - xhat * sum(dy * xhat) / N)
 * </pre>
 */
public final class BatchNormKernels {

    private BatchNormKernels() {
    }

    /**
     * Local per-channel moments of {@code x}: each run's mean and {@code M2} by two passes over
     * cache-resident values, merged across runs with Chan's update.
     */
    public static ChannelMoments moments(ChannelLayout layout, TensorIO x) {
        int channels = layout.channels();
        double[] n = new double[channels];
        double[] mean = new double[channels];
        double[] m2 = new double[channels];
        ChannelWalker.walk(layout, x, null, null, (c, a, b, out, start, count, stride) -> {
            int end = start + count * stride;
            double sum = 0;
            for (int j = start; j < end; j += stride) {
                sum += a[j];
            }
            double runMean = sum / count;
            double ss = 0;
            for (int j = start; j < end; j += stride) {
                double d = a[j] - runMean;
                ss += d * d;
            }
            double total = n[c] + count;
            double delta = runMean - mean[c];
            mean[c] += delta * count / total;
            m2[c] += ss + delta * delta * n[c] * count / total;
            n[c] = total;
        });
        return new ChannelMoments(layout.count(), mean, m2);
    }

    /** {@code y = (x - mean) * scale + shift}, per channel. */
    public static void normalize(ChannelLayout layout, TensorIO x, TensorIO y, double[] mean, double[] scale,
            double[] shift) {
        ChannelWalker.walk(layout, x, null, y, (c, a, b, out, start, count, stride) -> {
            double m = mean[c];
            double s = scale[c];
            double t = shift[c];
            int end = start + count * stride;
            for (int j = start; j < end; j += stride) {
                out[j] = (a[j] - m) * s + t;
            }
        });
    }

    /**
     * Local per-channel sums for the backward pass, packed as {@code [sum(dy)_0.., sum(dy * xhat)_0..]}
     * with {@code xhat = (x - mean) * invStd}.
     */
    public static double[] backwardSums(ChannelLayout layout, TensorIO x, TensorIO dy, double[] mean,
            double[] invStd) {
        int channels = layout.channels();
        double[] sums = new double[2 * channels];
        ChannelWalker.walk(layout, x, dy, null, (c, a, b, out, start, count, stride) -> {
            double m = mean[c];
            double sumDy = 0;
            double sumDyXmu = 0;
            int end = start + count * stride;
            for (int j = start; j < end; j += stride) {
                sumDy += b[j];
                sumDyXmu += b[j] * (a[j] - m);
            }
            sums[c] += sumDy;
            sums[channels + c] += sumDyXmu;
        });
        for (int c = 0; c < channels; c++) {
            sums[channels + c] *= invStd[c];
        }
        return sums;
    }

    /** {@code dx = scale * dy + (x - mean) * slope + offset}, per channel. */
    public static void inputGradient(ChannelLayout layout, TensorIO x, TensorIO dy, TensorIO dx, double[] mean,
            double[] scale, double[] slope, double[] offset) {
        ChannelWalker.walk(layout, x, dy, dx, (c, a, b, out, start, count, stride) -> {
            double m = mean[c];
            double s = scale[c];
            double k = slope[c];
            double o = offset[c];
            int end = start + count * stride;
            for (int j = start; j < end; j += stride) {
                out[j] = s * b[j] + (a[j] - m) * k + o;
            }
        });
    }
}
