package io.syncbn.nn.kernel;

import io.syncbn.stats.ChannelMoments;

/**
 * The four passes of batch normalization over a tensor, each one streaming pass, with every
 * per-channel quantity in double (S. Ioffe and C. Szegedy, "Batch Normalization: Accelerating Deep
 * Network Training by Reducing Internal Covariate Shift", ICML 2015). Float tensors go to {@link
 * FloatKernels}, which skips widening every value to double.
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
        if (x.isFloat()) {
            return FloatKernels.moments(layout, x);
        }
        int channels = layout.channels();
        double[] n = new double[channels];
        double[] mean = new double[channels];
        double[] m2 = new double[channels];
        ChannelWalker.walk(layout, x, null, null, ChannelWalker.DOUBLES, (c, a, b, out, start, count, stride) -> {
            double runMean = sum(a, start, count, stride) / count;
            mergeRun(n, mean, m2, c, count, runMean, squaredDeviations(a, start, count, stride, runMean));
        });
        return new ChannelMoments(layout.count(), mean, m2);
    }

    /** {@code y = (x - mean) * scale + shift}, per channel. */
    public static void normalize(ChannelLayout layout, TensorIO x, TensorIO y, double[] mean, double[] scale,
            double[] shift) {
        if (x.isFloat() && y.isFloat()) {
            FloatKernels.normalize(layout, x, y, mean, scale, shift);
            return;
        }
        ChannelWalker.walk(layout, x, null, y, ChannelWalker.DOUBLES, (c, a, b, out, start, count, stride) -> {
            double m = mean[c];
            double s = scale[c];
            double t = shift[c];
            int end = start + count * stride;
            if (stride == 1) {
                // A separate unit-stride loop, which the JIT vectorizes.
                for (int j = start; j < end; j++) {
                    out[j] = (a[j] - m) * s + t;
                }
            } else {
                for (int j = start; j < end; j += stride) {
                    out[j] = (a[j] - m) * s + t;
                }
            }
        });
    }

    /**
     * Local per-channel sums for the backward pass, packed as {@code [sum(dy)_0.., sum(dy * xhat)_0..]}
     * with {@code xhat = (x - mean) * invStd}.
     */
    public static double[] backwardSums(ChannelLayout layout, TensorIO x, TensorIO dy, double[] mean,
            double[] invStd) {
        if (x.isFloat() && dy.isFloat()) {
            return FloatKernels.backwardSums(layout, x, dy, mean, invStd);
        }
        int channels = layout.channels();
        double[] sums = new double[2 * channels];
        ChannelWalker.walk(layout, x, dy, null, ChannelWalker.DOUBLES, (c, a, b, out, start, count, stride) -> {
            sums[c] += sum(b, start, count, stride);
            sums[channels + c] += dotCentered(b, a, start, count, stride, mean[c]);
        });
        return scaleDots(sums, invStd);
    }

    /** {@code dx = scale * dy + (x - mean) * slope + offset}, per channel. */
    public static void inputGradient(ChannelLayout layout, TensorIO x, TensorIO dy, TensorIO dx, double[] mean,
            double[] scale, double[] slope, double[] offset) {
        if (x.isFloat() && dy.isFloat() && dx.isFloat()) {
            FloatKernels.inputGradient(layout, x, dy, dx, mean, scale, slope, offset);
            return;
        }
        ChannelWalker.walk(layout, x, dy, dx, ChannelWalker.DOUBLES, (c, a, b, out, start, count, stride) -> {
            double m = mean[c];
            double s = scale[c];
            double k = slope[c];
            double o = offset[c];
            int end = start + count * stride;
            if (stride == 1) {
                for (int j = start; j < end; j++) {
                    out[j] = s * b[j] + (a[j] - m) * k + o;
                }
            } else {
                for (int j = start; j < end; j += stride) {
                    out[j] = s * b[j] + (a[j] - m) * k + o;
                }
            }
        });
    }

    /**
     * Merges one run's {@code count} values, with mean {@code runMean} and squared deviations {@code
     * ss}, into channel {@code c}'s running count, mean and M2 (Chan, Golub and LeVeque's update).
     */
    static void mergeRun(double[] n, double[] mean, double[] m2, int c, int count, double runMean, double ss) {
        double total = n[c] + count;
        double delta = runMean - mean[c];
        mean[c] += delta * count / total;
        m2[c] += ss + delta * delta * n[c] * count / total;
        n[c] = total;
    }

    /** {@code [sum(dy), sum(dy * (x - mean))]} to {@code [sum(dy), sum(dy * xhat)]}, in place. */
    static double[] scaleDots(double[] sums, double[] invStd) {
        int channels = invStd.length;
        for (int c = 0; c < channels; c++) {
            sums[channels + c] *= invStd[c];
        }
        return sums;
    }

    /*
     * Run reductions. Unit-stride runs (NCHW maps, volumes) keep four partial sums, which breaks the
     * dependency chain of one accumulator (the JIT does not reorder floating-point sums itself); the
     * order is fixed, so results do not depend on anything but the values.
     */

    private static double sum(double[] v, int start, int count, int stride) {
        int end = start + count * stride;
        if (stride != 1) {
            double s = 0;
            for (int j = start; j < end; j += stride) {
                s += v[j];
            }
            return s;
        }
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = start;
        for (; j + 3 < end; j += 4) {
            s0 += v[j];
            s1 += v[j + 1];
            s2 += v[j + 2];
            s3 += v[j + 3];
        }
        for (; j < end; j++) {
            s0 += v[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double squaredDeviations(double[] v, int start, int count, int stride, double mean) {
        int end = start + count * stride;
        if (stride != 1) {
            double s = 0;
            for (int j = start; j < end; j += stride) {
                double d = v[j] - mean;
                s += d * d;
            }
            return s;
        }
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = start;
        for (; j + 3 < end; j += 4) {
            double d0 = v[j] - mean;
            double d1 = v[j + 1] - mean;
            double d2 = v[j + 2] - mean;
            double d3 = v[j + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < end; j++) {
            double d = v[j] - mean;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code sum(w * (v - mean))} over a run. */
    private static double dotCentered(double[] w, double[] v, int start, int count, int stride, double mean) {
        int end = start + count * stride;
        if (stride != 1) {
            double s = 0;
            for (int j = start; j < end; j += stride) {
                s += w[j] * (v[j] - mean);
            }
            return s;
        }
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = start;
        for (; j + 3 < end; j += 4) {
            s0 += w[j] * (v[j] - mean);
            s1 += w[j + 1] * (v[j + 1] - mean);
            s2 += w[j + 2] * (v[j + 2] - mean);
            s3 += w[j + 3] * (v[j + 3] - mean);
        }
        for (; j < end; j++) {
            s0 += w[j] * (v[j] - mean);
        }
        return (s0 + s1) + (s2 + s3);
    }
}
