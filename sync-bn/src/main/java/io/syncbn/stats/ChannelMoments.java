package io.syncbn.stats;

import io.syncbn.collective.ReduceOp;
import java.util.Arrays;

/**
 * The first two moments of every channel of a batch: the number of values per channel (the same for
 * every channel), their mean, and {@code M2}, the sum of squared deviations from that mean. All in
 * double, whatever the precision of the network.
 *
 * <p>Two sets of moments over disjoint values merge exactly with the pairwise update of T. F. Chan,
 * G. H. Golub and R. J. LeVeque, "Updating formulae and a pairwise algorithm for computing sample
 * variances" (Stanford CS-TR-79-773, 1979):
 *
 * <pre>
 *   n = nA + nB,  d = meanB - meanA,
 *   mean = meanA + d * nB / n,
 *   M2 = M2A + M2B + d^2 * nA * nB / n
 * </pre>
 *
 * Unlike sums of {@code x} and {@code x^2}, nothing here subtracts two large, nearly equal numbers, so
 * uneven shards, empty shards and large offsets are all exact to rounding. {@link #MERGE} applies the
 * same update to the packed form {@code [count, mean_0..mean_{C-1}, M2_0..M2_{C-1}]} that a {@link
 * io.syncbn.collective.Collective} reduces in one call.
 *
 * @param count values per channel, at least 0
 * @param mean per-channel mean (0 where {@code count} is 0)
 * @param m2 per-channel sum of squared deviations from {@code mean}, at least 0
 */
public record ChannelMoments(long count, double[] mean, double[] m2) {

    /**
     * Chan's merge on packed moments: the operator that combines per-worker statistics into global
     * ones in a single all-reduce.
     */
    public static final ReduceOp MERGE = ChannelMoments::mergePacked;

    /** Validates and copies the arrays, so the value cannot change after construction. */
    public ChannelMoments {
        if (count < 0) {
            throw new IllegalArgumentException("count must be at least 0, but got " + count);
        }
        if (mean.length != m2.length) {
            throw new IllegalArgumentException("mean and m2 must have one entry per channel, but mean has "
                    + mean.length + " and m2 has " + m2.length);
        }
        mean = mean.clone();
        m2 = m2.clone();
    }

    /** No values: the identity of {@link #merge}. */
    public static ChannelMoments empty(int channels) {
        return new ChannelMoments(0, new double[channels], new double[channels]);
    }

    /**
     * The moments of {@code values} laid out as {@code [outer][channels][inner]} (row-major), computed
     * with two passes per channel.
     */
    public static ChannelMoments of(double[] values, int channels, int inner) {
        int rowLength = channels * inner;
        if (rowLength == 0 || values.length % rowLength != 0) {
            throw new IllegalArgumentException("values.length must be a multiple of channels * inner = "
                    + rowLength + ", but got " + values.length);
        }
        int outer = values.length / rowLength;
        long count = (long) outer * inner;
        double[] mean = new double[channels];
        double[] m2 = new double[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int o = 0; o < outer; o++) {
                for (int i = 0, j = o * rowLength + c * inner; i < inner; i++, j++) {
                    sum += values[j];
                }
            }
            mean[c] = count == 0 ? 0 : sum / count;
            double ss = 0;
            for (int o = 0; o < outer; o++) {
                for (int i = 0, j = o * rowLength + c * inner; i < inner; i++, j++) {
                    double d = values[j] - mean[c];
                    ss += d * d;
                }
            }
            m2[c] = ss;
        }
        return new ChannelMoments(count, mean, m2);
    }

    /** The number of channels. */
    public int channels() {
        return mean.length;
    }

    /** A copy of the per-channel means. */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** A copy of the per-channel sums of squared deviations. */
    @Override
    public double[] m2() {
        return m2.clone();
    }

    /** The moments of the union of this value's data and {@code other}'s (Chan et al.). */
    public ChannelMoments merge(ChannelMoments other) {
        requireSameChannels(other.channels());
        double[] packed = pack();
        mergePacked(packed, other.pack());
        return unpack(packed, channels());
    }

    /** The biased (population) variance {@code M2 / count} of each channel; 0 when empty. */
    public double[] biasedVariance() {
        return divide(count);
    }

    /**
     * The unbiased (sample) variance {@code M2 / (count - 1)} of each channel.
     *
     * @throws IllegalStateException if {@code count < 2}
     */
    public double[] unbiasedVariance() {
        if (count < 2) {
            throw new IllegalStateException(
                    "the unbiased variance needs at least 2 values per channel, but count is " + count);
        }
        return divide(count - 1);
    }

    /** The packed form {@code [count, mean..., M2...]}, of length {@code 2 * channels + 1}. */
    public double[] pack() {
        int channels = channels();
        double[] packed = new double[packedLength(channels)];
        packed[0] = count;
        System.arraycopy(mean, 0, packed, 1, channels);
        System.arraycopy(m2, 0, packed, 1 + channels, channels);
        return packed;
    }

    /** The inverse of {@link #pack()}. */
    public static ChannelMoments unpack(double[] packed, int channels) {
        if (packed.length != packedLength(channels)) {
            throw new IllegalArgumentException("packed moments of " + channels + " channels have length "
                    + packedLength(channels) + ", but got " + packed.length);
        }
        return new ChannelMoments((long) packed[0],
                Arrays.copyOfRange(packed, 1, 1 + channels),
                Arrays.copyOfRange(packed, 1 + channels, 1 + 2 * channels));
    }

    /** {@code 2 * channels + 1}: the length of the packed form. */
    public static int packedLength(int channels) {
        return 2 * channels + 1;
    }

    /**
     * Merges packed moments {@code other} into packed moments {@code acc} in place (Chan et al.).
     * Counts are exact in a double up to 2^53.
     */
    public static void mergePacked(double[] acc, double[] other) {
        if (acc.length != other.length || acc.length % 2 != 1) {
            throw new IllegalArgumentException("packed moments must have the same odd length, but got "
                    + acc.length + " and " + other.length);
        }
        double nA = acc[0];
        double nB = other[0];
        if (nB == 0) {
            return;
        }
        int channels = (acc.length - 1) / 2;
        if (nA == 0) {
            System.arraycopy(other, 0, acc, 0, acc.length);
            return;
        }
        double n = nA + nB;
        double wB = nB / n;
        double cross = nA * nB / n;
        for (int c = 1; c <= channels; c++) {
            double delta = other[c] - acc[c];
            acc[c] += delta * wB;
            acc[c + channels] += other[c + channels] + delta * delta * cross;
        }
        acc[0] = n;
    }

    /** The packed forms of {@code moments} laid end to end, one segment each ({@link #mergeSegments}). */
    public static double[] packAll(java.util.List<ChannelMoments> moments) {
        int length = moments.stream().mapToInt(m -> packedLength(m.channels())).sum();
        double[] packed = new double[length];
        int at = 0;
        for (ChannelMoments m : moments) {
            double[] p = m.pack();
            System.arraycopy(p, 0, packed, at, p.length);
            at += p.length;
        }
        return packed;
    }

    /** The inverse of {@link #packAll}: one value per segment, with the given channel counts. */
    public static java.util.List<ChannelMoments> unpackAll(double[] packed, int... channels) {
        java.util.List<ChannelMoments> out = new java.util.ArrayList<>(channels.length);
        int at = 0;
        for (int c : channels) {
            int length = packedLength(c);
            out.add(unpack(Arrays.copyOfRange(packed, at, at + length), c));
            at += length;
        }
        if (at != packed.length) {
            throw new IllegalArgumentException("packed moments of " + channels.length + " segments have length " + at
                    + ", but got " + packed.length);
        }
        return out;
    }

    /**
     * A reduction over several packed moments laid end to end (one per layer, with the given channel
     * counts), merging each segment with {@link #mergePacked}: one all-reduce for many layers.
     */
    public static ReduceOp mergeSegments(int... channels) {
        int[] lengths = new int[channels.length];
        int total = 0;
        for (int i = 0; i < channels.length; i++) {
            lengths[i] = packedLength(channels[i]);
            total += lengths[i];
        }
        int expected = total;
        return (acc, other) -> {
            if (acc.length != expected || other.length != expected) {
                throw new IllegalArgumentException("segmented packed moments must have length " + expected
                        + ", but got " + acc.length + " and " + other.length);
            }
            int at = 0;
            for (int length : lengths) {
                double[] a = Arrays.copyOfRange(acc, at, at + length);
                mergePacked(a, Arrays.copyOfRange(other, at, at + length));
                System.arraycopy(a, 0, acc, at, length);
                at += length;
            }
        };
    }

    private double[] divide(long divisor) {
        double[] out = new double[channels()];
        if (divisor > 0) {
            for (int c = 0; c < out.length; c++) {
                out[c] = m2[c] / divisor;
            }
        }
        return out;
    }

    private void requireSameChannels(int other) {
        if (other != channels()) {
            throw new IllegalArgumentException(
                    "cannot merge moments of " + channels() + " channels with moments of " + other + " channels");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelMoments other && count == other.count
                && Arrays.equals(mean, other.mean) && Arrays.equals(m2, other.m2);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(count) + Arrays.hashCode(mean)) + Arrays.hashCode(m2);
    }

    @Override
    public String toString() {
        return "ChannelMoments[count=" + count + ", mean=" + Arrays.toString(mean) + ", m2="
                + Arrays.toString(m2) + "]";
    }
}
