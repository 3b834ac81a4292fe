package io.syncbn.driver.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Generated, learnable classification data, deterministic in its seed. Each class has a glyph: a
 * random binary pattern of coarse cells, drawn enlarged near the center of the image or volume. An
 * example is its class's glyph at a random offset (a few pixels), with a random intensity in [0.6,
 * 1], plus Gaussian noise (σ 0.15), clipped to [0, 1] like scaled pixels. Both a linear model (the
 * glyph is a template) and a convolutional network with global pooling (the glyphs differ in their
 * local patterns) can learn it.
 *
 * <p>The glyphs, the training examples and the test examples come from three streams derived from
 * the seed, so the same seed gives the same sets on every JVM ({@link Random}'s algorithm is
 * specified), and changing the training size leaves the test set unchanged.
 */
final class SyntheticGlyphs {

    /** Noise standard deviation added to every pixel. */
    static final double NOISE = 0.15;

    /**
     * The spatial layout of the examples.
     *
     * @param dims spatial size, {@code [height, width]} or {@code [depth, height, width]}
     * @param cells glyph cells per spatial axis
     * @param scale pixels per cell along every axis
     * @param jitter largest offset from the centered position per axis, in pixels
     */
    record Geometry(int[] dims, int[] cells, int scale, int[] jitter) {

        /** 28×28 images: 6×6 glyphs of 3-pixel cells, shifted up to 3 pixels. */
        static final Geometry IMAGE = new Geometry(new int[] {28, 28}, new int[] {6, 6}, 3, new int[] {3, 3});

        /** 8×16×16 volumes: 3×5×5 glyphs of 2-voxel cells, shifted up to 1, 2, 2 voxels. */
        static final Geometry VOLUME = new Geometry(new int[] {8, 16, 16}, new int[] {3, 5, 5}, 2,
                new int[] {1, 2, 2});

        /** Shape of one example: one channel, then the spatial size. */
        List<Integer> exampleShape() {
            List<Integer> shape = new ArrayList<>();
            shape.add(1);
            for (int d : dims) {
                shape.add(d);
            }
            return List.copyOf(shape);
        }

        int pixels() {
            return Arrays.stream(dims).reduce(1, Math::multiplyExact);
        }

        int glyphCells() {
            return Arrays.stream(cells).reduce(1, Math::multiplyExact);
        }
    }

    private static final long GLYPH_STREAM = 1;
    private static final long TRAIN_STREAM = 2;
    private static final long TEST_STREAM = 3;

    private final Geometry geometry;
    private final int classes;
    private final long seed;
    private final boolean[][] glyphs;

    /**
     * The glyphs of {@code classes} classes for {@code seed}.
     *
     * @throws IllegalArgumentException if {@code classes} is below 2 or above 64
     */
    SyntheticGlyphs(Geometry geometry, int classes, long seed) {
        if (classes < 2 || classes > 64) {
            throw new IllegalArgumentException("classes must be in [2, 64], but got " + classes);
        }
        this.geometry = geometry;
        this.classes = classes;
        this.seed = seed;
        this.glyphs = glyphs(geometry.glyphCells(), classes, new Random(streamSeed(seed, GLYPH_STREAM)));
    }

    /** {@code n} training examples. */
    DataSet train(int n) {
        return sample(n, TRAIN_STREAM);
    }

    /** {@code n} test examples, from a stream of their own. */
    DataSet test(int n) {
        return sample(n, TEST_STREAM);
    }

    private DataSet sample(int n, long stream) {
        Random random = new Random(streamSeed(seed, stream));
        int pixels = geometry.pixels();
        float[] features = new float[Math.multiplyExact(n, pixels)];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(classes);
            draw(glyphs[labels[i]], random, features, i * pixels);
        }
        long[] shape = new long[geometry.dims.length + 2];
        shape[0] = n;
        shape[1] = 1;
        for (int d = 0; d < geometry.dims.length; d++) {
            shape[d + 2] = geometry.dims[d];
        }
        return new DataSet(Nd4j.create(features, shape, DataType.FLOAT), Labels.oneHot(labels, classes));
    }

    /** Renders one example into {@code out} from {@code offset}: the glyph, shifted and scaled, then noise. */
    private void draw(boolean[] glyph, Random random, float[] out, int offset) {
        int axes = geometry.dims.length;
        int[] origin = new int[axes];
        for (int a = 0; a < axes; a++) {
            int size = geometry.cells[a] * geometry.scale;
            origin[a] = (geometry.dims[a] - size) / 2 + random.nextInt(2 * geometry.jitter[a] + 1)
                    - geometry.jitter[a];
        }
        double intensity = 0.6 + 0.4 * random.nextDouble();
        int[] position = new int[axes];
        int pixels = geometry.pixels();
        for (int p = 0; p < pixels; p++) {
            int rest = p;
            for (int a = axes - 1; a >= 0; a--) {
                position[a] = rest % geometry.dims[a];
                rest /= geometry.dims[a];
            }
            double value = inGlyph(glyph, origin, position) ? intensity : 0.0;
            value += NOISE * random.nextGaussian();
            out[offset + p] = (float) Math.min(1.0, Math.max(0.0, value));
        }
    }

    private boolean inGlyph(boolean[] glyph, int[] origin, int[] position) {
        int cell = 0;
        for (int a = 0; a < position.length; a++) {
            int local = position[a] - origin[a];
            if (local < 0 || local >= geometry.cells[a] * geometry.scale) {
                return false;
            }
            cell = cell * geometry.cells[a] + local / geometry.scale;
        }
        return glyph[cell];
    }

    /**
     * One random pattern per class, each cell on with probability 1/2, redrawn until it differs from
     * every earlier glyph in at least a quarter of its cells, so no two classes look alike.
     */
    private static boolean[][] glyphs(int cells, int classes, Random random) {
        boolean[][] glyphs = new boolean[classes][];
        for (int k = 0; k < classes; k++) {
            boolean[] candidate;
            do {
                candidate = new boolean[cells];
                for (int c = 0; c < cells; c++) {
                    candidate[c] = random.nextBoolean();
                }
            } while (!distinct(candidate, glyphs, k, cells / 4));
            glyphs[k] = candidate;
        }
        return glyphs;
    }

    private static boolean distinct(boolean[] candidate, boolean[][] earlier, int count, int minDifferent) {
        for (int k = 0; k < count; k++) {
            int different = 0;
            for (int c = 0; c < candidate.length; c++) {
                if (candidate[c] != earlier[k][c]) {
                    different++;
                }
            }
            if (different < minDifferent) {
                return false;
            }
        }
        return true;
    }

    /** A well-mixed seed for stream {@code stream} of {@code seed} (the SplitMix64 finalizer). */
    private static long streamSeed(long seed, long stream) {
        long z = seed + stream * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
