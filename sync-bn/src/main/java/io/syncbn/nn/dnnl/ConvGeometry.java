package io.syncbn.nn.dnnl;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.ConvolutionMode;

/**
 * The shape arithmetic of one convolution call, in DL4J's conventions: {@code d} spatial axes (2 or
 * 3), the input's batch size, channels and spatial sizes, kernel, stride, dilation (1 = none) and the
 * padding before and after each spatial axis. DL4J's "same" mode pads {@code total / 2} before and the
 * rest after (more after than before when the total is odd); "truncate" pads {@code p} before and
 * drops trailing input that no window reaches, which makes {@code padEnd} smaller than {@code p},
 * possibly negative ({@link #crop()} input positions are never read).
 *
 * <p>Arrays are copied in and out; equality is by value, so a geometry keys a cache of primitives.
 */
public final class ConvGeometry {

    private final long batch;
    private final long inChannels;
    private final long outChannels;
    private final long[] in;
    private final long[] kernel;
    private final long[] stride;
    private final long[] dilation;
    private final long[] padBegin;
    private final long[] padEnd;
    private final long[] out;
    private final boolean channelsLast;

    private ConvGeometry(long batch, long inChannels, long outChannels, long[] in, long[] kernel, long[] stride,
            long[] dilation, long[] padBegin, long[] padEnd, long[] out, boolean channelsLast) {
        this.batch = batch;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.in = in;
        this.kernel = kernel;
        this.stride = stride;
        this.dilation = dilation;
        this.padBegin = padBegin;
        this.padEnd = padEnd;
        this.out = out;
        this.channelsLast = channelsLast;
    }

    /**
     * The geometry of a convolution of {@code inputShape} ({@code [N, C, spatial...]}, or {@code [N,
     * spatial..., C]} when {@code channelsLast}) into {@code outChannels} channels.
     *
     * @param padding the configured padding per spatial axis; ignored in {@link ConvolutionMode#Same}
     * @throws IllegalArgumentException when the sizes leave no output, naming the axis and the sizes
     */
    public static ConvGeometry of(long[] inputShape, boolean channelsLast, long outChannels, int[] kernel,
            int[] stride, int[] dilation, int[] padding, ConvolutionMode mode) {
        int d = kernel.length;
        if (d != 2 && d != 3) {
            throw new IllegalArgumentException("convolution kernel must have 2 or 3 spatial sizes, but got "
                    + Arrays.toString(kernel));
        }
        if (inputShape.length != d + 2) {
            throw new IllegalArgumentException("a " + d + "-D convolution needs a rank " + (d + 2) + " input, but got shape "
                    + Arrays.toString(inputShape));
        }
        long[] in = new long[d];
        for (int i = 0; i < d; i++) {
            in[i] = inputShape[channelsLast ? 1 + i : 2 + i];
        }
        long channels = inputShape[channelsLast ? d + 1 : 1];
        long[] k = new long[d];
        long[] s = new long[d];
        long[] dil = new long[d];
        long[] before = new long[d];
        long[] after = new long[d];
        long[] out = new long[d];
        for (int i = 0; i < d; i++) {
            k[i] = kernel[i];
            s[i] = stride[i];
            dil[i] = dilation[i];
            long effective = (k[i] - 1) * dil[i] + 1;
            if (mode == ConvolutionMode.Same) {
                out[i] = (in[i] + s[i] - 1) / s[i];
                long total = Math.max(0, (out[i] - 1) * s[i] + effective - in[i]);
                before[i] = total / 2;
                after[i] = total - before[i];
            } else {
                long span = in[i] + 2L * padding[i] - effective;
                if (span < 0) {
                    throw new IllegalArgumentException("convolution axis " + i + ": input size " + in[i] + " with padding "
                            + padding[i] + " is smaller than the dilated kernel " + effective + "; pad more or use a "
                            + "smaller kernel or ConvolutionMode.Same");
                }
                out[i] = span / s[i] + 1;
                before[i] = padding[i];
                after[i] = (out[i] - 1) * s[i] + effective - in[i] - before[i];
            }
        }
        return new ConvGeometry(inputShape[0], channels, outChannels, in, k, s, dil, before, after, out, channelsLast);
    }

    /** Spatial axes: 2 or 3. */
    public int spatialRank() {
        return in.length;
    }

    /** Examples in the batch. */
    public long batch() {
        return batch;
    }

    /** Input channels. */
    public long inChannels() {
        return inChannels;
    }

    /** Output channels. */
    public long outChannels() {
        return outChannels;
    }

    /** Whether activations are {@code [N, spatial..., C]} rather than {@code [N, C, spatial...]}. */
    public boolean channelsLast() {
        return channelsLast;
    }

    /** Spatial input sizes. */
    public long[] in() {
        return in.clone();
    }

    /** Kernel sizes. */
    public long[] kernel() {
        return kernel.clone();
    }

    /** Strides. */
    public long[] stride() {
        return stride.clone();
    }

    /** Dilations, DL4J's convention (1 = adjacent taps). */
    public long[] dilation() {
        return dilation.clone();
    }

    /** Padding before each spatial axis. */
    public long[] padBegin() {
        return padBegin.clone();
    }

    /** Padding after each spatial axis; negative where trailing input is never read. */
    public long[] padEnd() {
        return padEnd.clone();
    }

    /** Spatial output sizes. */
    public long[] out() {
        return out.clone();
    }

    /** Trailing input positions per axis that no window reads ({@code max(0, -padEnd)}). */
    public long[] crop() {
        long[] c = new long[in.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = Math.max(0, -padEnd[i]);
        }
        return c;
    }

    /** Whether some trailing input is never read. */
    public boolean cropped() {
        return Arrays.stream(padEnd).anyMatch(p -> p < 0);
    }

    /** The input array's shape in its layout. */
    public long[] inputShape() {
        return layoutShape(inChannels, in);
    }

    /** The output array's shape in the input's layout. */
    public long[] outputShape() {
        return layoutShape(outChannels, out);
    }

    /** The weight shape DL4J stores: {@code [out, in, kernel...]}. */
    public long[] weightShape() {
        long[] w = new long[kernel.length + 2];
        w[0] = outChannels;
        w[1] = inChannels;
        System.arraycopy(kernel, 0, w, 2, kernel.length);
        return w;
    }

    private long[] layoutShape(long channels, long[] spatial) {
        long[] shape = new long[spatial.length + 2];
        shape[0] = batch;
        shape[channelsLast ? spatial.length + 1 : 1] = channels;
        System.arraycopy(spatial, 0, shape, channelsLast ? 1 : 2, spatial.length);
        return shape;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvGeometry g && batch == g.batch && inChannels == g.inChannels
                && outChannels == g.outChannels && channelsLast == g.channelsLast && Arrays.equals(in, g.in)
                && Arrays.equals(kernel, g.kernel) && Arrays.equals(stride, g.stride)
                && Arrays.equals(dilation, g.dilation) && Arrays.equals(padBegin, g.padBegin)
                && Arrays.equals(padEnd, g.padEnd);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(batch) * 31 + Long.hashCode(inChannels);
        h = h * 31 + Long.hashCode(outChannels);
        h = h * 31 + Arrays.hashCode(in);
        h = h * 31 + Arrays.hashCode(kernel);
        h = h * 31 + Arrays.hashCode(stride);
        h = h * 31 + Arrays.hashCode(padBegin);
        return h * 31 + (channelsLast ? 1 : 0);
    }

    @Override
    public String toString() {
        return "conv" + in.length + "d[N=" + batch + ", C=" + inChannels + "->" + outChannels + ", in="
                + Arrays.toString(in) + ", k=" + Arrays.toString(kernel) + ", s=" + Arrays.toString(stride) + ", dil="
                + Arrays.toString(dilation) + ", pad=" + Arrays.toString(padBegin) + "/" + Arrays.toString(padEnd)
                + ", out=" + Arrays.toString(out) + (channelsLast ? ", channels last" : "") + "]";
    }
}
