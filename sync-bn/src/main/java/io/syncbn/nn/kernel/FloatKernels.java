package io.syncbn.nn.kernel;

import io.syncbn.stats.ChannelMoments;

/**
 * {@link BatchNormKernels} for float tensors, on float blocks: sums accumulate in double across
 * chunks of 256 values (within a chunk, in float; see the reductions below), per-channel quantities
 * stay double, and only the
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
            BatchNormKernels.mergeRun(n, mean, m2, c, count, runMean,
                    squaredDeviations(a, start, count, stride, runMean));
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
        return BatchNormKernels.scaleDots(sums, invStd);
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

    /*
     * Run reductions. Unit-stride runs (NCHW maps, volumes) sum chunks of up to CHUNK values in float
     * accumulators (independent chains: about 0.15 ns a value here, against 0.5 ns for double
     * accumulators fed by float-to-double conversions) and add each chunk's accumulators into a
     * double, so a float sum never holds more than 64 values and the result stays within
     * a few float roundings of the double sum. The order is fixed: results depend only on the values.
     * Strided runs (channels last, dense) sum in double.
     */

    /** Values per chunk. */
    static final int CHUNK = 256;

    private static double sum(float[] v, int start, int count, int stride) {
        int end = start + count * stride;
        double total = 0;
        int j = start;
        if (stride == 1) {
            for (int len; (len = Math.min(CHUNK, (end - j) & ~7)) > 0; j += len) {
                float s0 = 0;
                float s1 = 0;
                float s2 = 0;
                float s3 = 0;
                float s4 = 0;
                float s5 = 0;
                float s6 = 0;
                float s7 = 0;
                for (int b = j; b < j + len; b += 8) {
                    s0 += v[b];
                    s1 += v[b + 1];
                    s2 += v[b + 2];
                    s3 += v[b + 3];
                    s4 += v[b + 4];
                    s5 += v[b + 5];
                    s6 += v[b + 6];
                    s7 += v[b + 7];
                }
                total += ((double) s0 + s1) + ((double) s2 + s3) + ((double) s4 + s5) + ((double) s6 + s7);
            }
        }
        for (; j < end; j += stride) {
            total += v[j];
        }
        return total;
    }

    private static double squaredDeviations(float[] v, int start, int count, int stride, double mean) {
        int end = start + count * stride;
        double total = 0;
        int j = start;
        if (stride == 1) {
            // Deviations from the mean rounded to float, m; then the exact identity
            // sum((x - mean)^2) = sum((x - m)^2) - 2 (mean - m) sum(x - m) + n (mean - m)^2.
            float m = (float) mean;
            double deviations = 0;
            long n = 0;
            for (int len; (len = Math.min(CHUNK, (end - j) & ~3)) > 0; j += len) {
                float q0 = 0;
                float q1 = 0;
                float q2 = 0;
                float q3 = 0;
                float d0 = 0;
                float d1 = 0;
                float d2 = 0;
                float d3 = 0;
                for (int b = j; b < j + len; b += 4) {
                    float e0 = v[b] - m;
                    float e1 = v[b + 1] - m;
                    float e2 = v[b + 2] - m;
                    float e3 = v[b + 3] - m;
                    q0 += e0 * e0;
                    q1 += e1 * e1;
                    q2 += e2 * e2;
                    q3 += e3 * e3;
                    d0 += e0;
                    d1 += e1;
                    d2 += e2;
                    d3 += e3;
                }
                total += ((double) q0 + q1) + ((double) q2 + q3);
                deviations += ((double) d0 + d1) + ((double) d2 + d3);
                n += len;
            }
            double shift = mean - m;
            total += -2 * shift * deviations + n * shift * shift;
        }
        for (; j < end; j += stride) {
            double d = v[j] - mean;
            total += d * d;
        }
        return total;
    }

    /** {@code sum(w * (v - mean))} over a run. */
    private static double dotCentered(float[] w, float[] v, int start, int count, int stride, double mean) {
        int end = start + count * stride;
        double total = 0;
        int j = start;
        if (stride == 1) {
            // sum(w (v - mean)) = sum(w (v - m)) - (mean - m) sum(w), m the mean rounded to float.
            float m = (float) mean;
            double weights = 0;
            for (int len; (len = Math.min(CHUNK, (end - j) & ~3)) > 0; j += len) {
                float p0 = 0;
                float p1 = 0;
                float p2 = 0;
                float p3 = 0;
                float w0 = 0;
                float w1 = 0;
                float w2 = 0;
                float w3 = 0;
                for (int b = j; b < j + len; b += 4) {
                    p0 += w[b] * (v[b] - m);
                    p1 += w[b + 1] * (v[b + 1] - m);
                    p2 += w[b + 2] * (v[b + 2] - m);
                    p3 += w[b + 3] * (v[b + 3] - m);
                    w0 += w[b];
                    w1 += w[b + 1];
                    w2 += w[b + 2];
                    w3 += w[b + 3];
                }
                total += ((double) p0 + p1) + ((double) p2 + p3);
                weights += ((double) w0 + w1) + ((double) w2 + w3);
            }
            total -= (mean - m) * weights;
        }
        for (; j < end; j += stride) {
            total += w[j] * (v[j] - mean);
        }
        return total;
    }
}
