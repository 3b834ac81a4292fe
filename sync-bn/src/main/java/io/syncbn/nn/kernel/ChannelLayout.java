package io.syncbn.nn.kernel;

import java.util.Arrays;

/**
 * A row-major tensor seen as {@code [outer][channels][inner]}: {@code outer} is the product of the
 * dimensions before the channel axis (the batch, and for channels-last layouts the spatial
 * positions), {@code inner} the product of those after it. Batch normalization reduces over {@code
 * outer} and {@code inner}, so every channel has {@code outer * inner} values.
 *
 * @param outer product of the dimensions before the channel axis (0 for an empty batch)
 * @param channels size of the channel axis
 * @param inner product of the dimensions after the channel axis
 */
public record ChannelLayout(long outer, int channels, long inner) {

    /** Validates the sizes. */
    public ChannelLayout {
        if (outer < 0 || channels < 1 || inner < 1) {
            throw new IllegalArgumentException("a channel layout needs outer >= 0, channels >= 1 and inner >= 1, "
                    + "but got outer=" + outer + ", channels=" + channels + ", inner=" + inner);
        }
    }

    /**
     * The layout of a tensor of {@code shape} normalized along {@code channelAxis}.
     *
     * @param shape the tensor's shape, batch first
     * @param channelAxis the channel axis, in {@code [1, shape.length)}
     */
    public static ChannelLayout of(long[] shape, int channelAxis) {
        if (channelAxis < 1 || channelAxis >= shape.length) {
            throw new IllegalArgumentException("channelAxis must be in [1, " + shape.length + ") for shape "
                    + Arrays.toString(shape) + ", but got " + channelAxis);
        }
        long outer = 1;
        for (int d = 0; d < channelAxis; d++) {
            outer *= shape[d];
        }
        long inner = 1;
        for (int d = channelAxis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        return new ChannelLayout(outer, Math.toIntExact(shape[channelAxis]), inner);
    }

    /** Values per channel: {@code outer * inner}. */
    public long count() {
        return outer * inner;
    }

    /** Values in the tensor. */
    public long length() {
        return outer * channels * inner;
    }
}
