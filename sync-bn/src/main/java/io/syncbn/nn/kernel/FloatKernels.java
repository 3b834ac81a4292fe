package io.syncbn.nn.kernel;

import io.syncbn.stats.ChannelMoments;

/**
 * {@link BatchNormKernels} for float tensors, on float blocks: sums still accumulate in double (four
 * partial sums per run, in a fixed order), per-channel quantities stay double, and only the
 * per-value affine maps ({@code normalize}, {@code inputGradient}) run in float with the channel's
 * coefficients rounded to float once, which the JIT vectorizes. The outputs are float anyway; the
 * difference from the double path is a rounding of the coefficients (relative 6e-8).
 */
final class FloatKernels {

    private FloatKernels() {
    }

    static ChannelMoments moments(ChannelLayout layout, TensorIO x) {
        int channels = layout.channels();
        double[] n = new double[channels];
        double[] mean = new double[channels];
        double[] m2 = new double[channels];
        ChannelWalker.walk(layout, x, null, null, ChannelWalker.FLOATS, (c, a, b, out, start, count, stride) -> {
            double runMean = sum(a, start, count, stride) / count;
            double ss = squaredDeviations(a, start, count, stride, runMean);
            double total = n[c] + count;
            double delta = runMean - mean[c];
            mean[c] += delta * count / total;
            m2[c] += ss + delta * delta * n[c] * count / total;
            n[c] = total;
        });
        return new ChannelMoments(layout.count(), mean, m2);
    }

    static void normalize(ChannelLayout layout, TensorIO x, TensorIO y, double[] mean, double[] scale,
            double[] shift) {
        ChannelWalker.walk(layout, x, null, y, ChannelWalker.FLOATS, (c, a, b, out, start, count, stride) -> {
            float m = (float) mean[c];
            float s = (float) scale[c];
            float t = (float) shift[c];
            int end = start + count * stride;
            if (stride == 1) {
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

    static double[] backwardSums(ChannelLayout layout, TensorIO x, TensorIO dy, double[] mean, double[] invStd) {
        int channels = layout.channels();
        double[] sums = new double[2 * channels];
        ChannelWalker.walk(layout, x, dy, null, ChannelWalker.FLOATS, (c, a, b, out, start, count, stride) -> {
            sums[c] += sum(b, start, count, stride);
            sums[channels + c] += dotCentered(b, a, start, count, stride, mean[c]);
        });
        for (int c = 0; c < channels; c++) {
            sums[channels + c] *= invStd[c];
        }
        return sums;
    }

    static void inputGradient(ChannelLayout layout, TensorIO x, TensorIO dy, TensorIO dx, double[] mean,
            double[] scale, double[] slope, double[] offset) {
        ChannelWalker.walk(layout, x, dy, dx, ChannelWalker.FLOATS, (c, a, b, out, start, count, stride) -> {
            float m = (float) mean[c];
            float s = (float) scale[c];
            float k = (float) slope[c];
            float o = (float) offset[c];
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

    private static double sum(float[] v, int start, int count, int stride) {
        int end = start + count * stride;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = start;
        for (; j + 3 * stride < end; j += 4 * stride) {
            s0 += v[j];
            s1 += v[j + stride];
            s2 += v[j + 2 * stride];
            s3 += v[j + 3 * stride];
        }
        for (; j < end; j += stride) {
            s0 += v[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double squaredDeviations(float[] v, int start, int count, int stride, double mean) {
        int end = start + count * stride;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = start;
        for (; j + 3 * stride < end; j += 4 * stride) {
            double d0 = v[j] - mean;
            double d1 = v[j + stride] - mean;
            double d2 = v[j + 2 * stride] - mean;
            double d3 = v[j + 3 * stride] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < end; j += stride) {
            double d = v[j] - mean;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code sum(w * (v - mean))} over a run. */
    private static double dotCentered(float[] w, float[] v, int start, int count, int stride, double mean) {
        int end = start + count * stride;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = start;
        for (; j + 3 * stride < end; j += 4 * stride) {
            s0 += w[j] * (v[j] - mean);
            s1 += w[j + stride] * (v[j + stride] - mean);
            s2 += w[j + 2 * stride] * (v[j + 2 * stride] - mean);
            s3 += w[j + 3 * stride] * (v[j + 3 * stride] - mean);
        }
        for (; j < end; j += stride) {
            s0 += w[j] * (v[j] - mean);
        }
        return (s0 + s1) + (s2 + s3);
    }
}
