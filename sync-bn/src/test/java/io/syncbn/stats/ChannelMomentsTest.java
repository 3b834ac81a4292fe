package io.syncbn.stats;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chan's merge of per-channel moments. Cases: even and uneven splits, empty parts, a part with one
 * value, large offsets with tiny spread (where sums of squares cancel), and packing.
 */
class ChannelMomentsTest {

    /** Relative error of merged statistics against an exact (BigDecimal) computation, for unit-scale data. */
    private static final double TOLERANCE = 1e-12;

    /**
     * Extra relative error allowed per unit of the condition number {@code offset / spread}: a stable
     * method loses accuracy linearly in it (the data themselves carry that error), a naive sum of
     * squares quadratically (1e-4 at offset 1e4, spread 1e-2).
     */
    private static final double PER_CONDITION = 1e-14;

    static Stream<Arguments> splits() {
        return Stream.of(
                Arguments.of("even", new int[] {8, 8, 8, 8}, 0.0, 1.0),
                Arguments.of("uneven with empties", new int[] {0, 13, 1, 0, 5}, 0.0, 1.0),
                Arguments.of("one value per part", new int[] {1, 1, 1, 1, 1, 1, 1, 1}, 2.0, 3.0),
                Arguments.of("large offset, tiny spread", new int[] {7, 2, 0, 11}, 1e4, 1e-2),
                Arguments.of("huge offset", new int[] {3, 5, 9}, 1e8, 1.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("splits")
    void mergeOfPartsEqualsExactMomentsOfTheWhole(String name, int[] sizes, double offset, double spread) {
        Random rnd = new Random(42);
        int channels = 3;
        List<double[]> parts = new ArrayList<>();
        for (int n : sizes) {
            double[] v = new double[n * channels];
            for (int i = 0; i < v.length; i++) {
                v[i] = offset + spread * rnd.nextGaussian();
            }
            parts.add(v);
        }
        ChannelMoments merged = ChannelMoments.empty(channels);
        for (double[] p : parts) {
            merged = merged.merge(ChannelMoments.of(p, channels, 1));
        }
        ChannelMoments m = merged;
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            BigDecimal[] exact = exactMeanAndM2(parts, channels, c);
            int ch = c;
            checks.add(() -> assertEquals(exact[0].doubleValue(), m.mean()[ch],
                    TOLERANCE * Math.abs(exact[0].doubleValue()) + 1e-300, "mean, channel " + ch));
            double relative = TOLERANCE + PER_CONDITION * Math.abs(offset) / spread;
            checks.add(() -> assertEquals(exact[1].doubleValue(), m.m2()[ch],
                    relative * Math.abs(exact[1].doubleValue()), "M2, channel " + ch));
        }
        assertAll(checks);
    }

    @Test
    void packedMergeIsTheCollectiveOperator() {
        ChannelMoments a = ChannelMoments.of(new double[] {1, 10, 2, 20, 3, 30}, 2, 1);
        ChannelMoments b = ChannelMoments.of(new double[] {4, 40}, 2, 1);
        double[] acc = a.pack();
        ChannelMoments.MERGE.combine(acc, b.pack());
        ChannelMoments viaOp = ChannelMoments.unpack(acc, 2);
        ChannelMoments whole = ChannelMoments.of(new double[] {1, 10, 2, 20, 3, 30, 4, 40}, 2, 1);
        assertAll(
                () -> assertEquals(a.merge(b), viaOp),
                () -> assertEquals(4, viaOp.count()),
                () -> assertEquals(whole.mean()[0], viaOp.mean()[0], 1e-15),
                () -> assertEquals(whole.m2()[1], viaOp.m2()[1], 1e-12),
                () -> assertEquals(5.0 / 4, viaOp.biasedVariance()[0], 1e-15),
                () -> assertEquals(5.0 / 3, viaOp.unbiasedVariance()[0], 1e-15));
    }

    @Test
    void emptyIsTheIdentity() {
        ChannelMoments a = ChannelMoments.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 1);
        assertAll(
                () -> assertEquals(a, a.merge(ChannelMoments.empty(3))),
                () -> assertEquals(a, ChannelMoments.empty(3).merge(a)));
    }

    @Test
    void layoutWithInnerDimension() {
        // [outer=2][channels=2][inner=2]: channel 0 holds 1,2,5,6 and channel 1 holds 3,4,7,8.
        ChannelMoments m = ChannelMoments.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2);
        assertAll(
                () -> assertEquals(4, m.count()),
                () -> assertEquals(3.5, m.mean()[0], 1e-15),
                () -> assertEquals(5.5, m.mean()[1], 1e-15),
                () -> assertEquals(17.0, m.m2()[0], 1e-12));
    }

    @Test
    void refusals() {
        ChannelMoments one = ChannelMoments.of(new double[] {1, 2}, 2, 1);
        assertAll(
                () -> assertEquals("the unbiased variance needs at least 2 values per channel, but count is 1",
                        assertThrows(IllegalStateException.class, one::unbiasedVariance).getMessage()),
                () -> assertEquals("cannot merge moments of 2 channels with moments of 3 channels",
                        assertThrows(IllegalArgumentException.class, () -> one.merge(ChannelMoments.empty(3))).getMessage()),
                () -> assertEquals("count must be at least 0, but got -1",
                        assertThrows(IllegalArgumentException.class,
                                () -> new ChannelMoments(-1, new double[1], new double[1])).getMessage()),
                () -> assertTrue(assertThrows(IllegalArgumentException.class,
                        () -> ChannelMoments.unpack(new double[4], 2)).getMessage().contains("have length 5, but got 4")));
    }

    @Test
    void valuesAreImmutable() {
        double[] mean = {1, 2};
        ChannelMoments m = new ChannelMoments(3, mean, new double[] {0, 0});
        mean[0] = 99;
        m.mean()[1] = 99;
        assertEquals(1.0, m.mean()[0]);
        assertEquals(2.0, m.mean()[1]);
    }

    private static BigDecimal[] exactMeanAndM2(List<double[]> parts, int channels, int c) {
        MathContext mc = MathContext.DECIMAL128;
        BigDecimal sum = BigDecimal.ZERO;
        long n = 0;
        for (double[] p : parts) {
            for (int i = c; i < p.length; i += channels) {
                sum = sum.add(new BigDecimal(p[i]));
                n++;
            }
        }
        BigDecimal mean = sum.divide(BigDecimal.valueOf(n), mc);
        BigDecimal m2 = BigDecimal.ZERO;
        for (double[] p : parts) {
            for (int i = c; i < p.length; i += channels) {
                BigDecimal d = new BigDecimal(p[i]).subtract(mean);
                m2 = m2.add(d.multiply(d));
            }
        }
        return new BigDecimal[] {mean, m2};
    }
}
