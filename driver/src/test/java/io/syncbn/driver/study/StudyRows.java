package io.syncbn.driver.study;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Synthetic study rows with the collapse pattern, for the report tests: at a global batch of 32,
 * local BN with 1 example per worker falls to 0.140 ± 0.020 test accuracy (running statistics; 0.690
 * with batch statistics), sync BN stays at 0.770 ± 0.010, group:4 BN reaches 0.600 ± 0.010, and the
 * reference (b = 32, one worker) reaches 0.800 ± 0.010, over seeds 1, 2, 3. The mean divergence over
 * layers falls monotonically with b for local BN (1.20, 0.800, 0.500, 0.300) and group:4 BN, but not
 * for sync BN (1.10, 0.700, 0.750, 0.300).
 */
final class StudyRows {

    static final int GLOBAL_BATCH = 32;
    static final List<Integer> BATCHES = List.of(1, 2, 4, 8);
    static final List<String> MODES = List.of("sync", "local", "group:4");
    static final List<Long> SEEDS = List.of(1L, 2L, 3L);
    static final List<String> LAYERS = List.of("bn1", "bn2", "bn3");

    /** Test accuracy with running statistics per mode and b, before the seed offset. */
    private static final Map<String, double[]> RUNNING = Map.of("sync", new double[] {0.77, 0.79, 0.79, 0.79},
            "local", new double[] {0.14, 0.45, 0.70, 0.78}, "group:4", new double[] {0.60, 0.72, 0.77, 0.79});
    private static final Map<String, double[]> BATCH = Map.of("sync", new double[] {0.78, 0.79, 0.79, 0.79},
            "local", new double[] {0.69, 0.72, 0.76, 0.79}, "group:4", new double[] {0.74, 0.76, 0.78, 0.79});
    private static final Map<String, double[]> DIVERGENCE = Map.of("sync", new double[] {1.1, 0.7, 0.75, 0.3},
            "local", new double[] {1.2, 0.8, 0.5, 0.3}, "group:4", new double[] {0.9, 0.6, 0.4, 0.2});

    private StudyRows() {
    }

    /** Every mode, b and seed, then the reference for every seed. */
    static List<CellResult> collapse() {
        List<CellResult> rows = new ArrayList<>();
        for (int i = 0; i < BATCHES.size(); i++) {
            for (String mode : MODES) {
                for (long seed : SEEDS) {
                    // Seeds 1, 2, 3 move accuracy by -1, 0, +1 offsets: local b=1 by 0.02, the others by 0.01.
                    double step = mode.equals("local") && i == 0 ? 0.02 : 0.01;
                    double offset = (seed - 2) * step;
                    rows.add(row(BATCHES.get(i), mode, seed, false, RUNNING.get(mode)[i] + offset,
                            BATCH.get(mode)[i] + offset / 2, DIVERGENCE.get(mode)[i]));
                }
            }
        }
        for (long seed : SEEDS) {
            rows.add(row(GLOBAL_BATCH, "sync", seed, true, 0.80 + (seed - 2) * 0.01, 0.80, 0.0));
        }
        return rows;
    }

    /**
     * One row: per-layer divergences 0.5, 1 and 1.5 times {@code divergence} (so their mean is
     * {@code divergence}), log-variance divergence half of that, running-statistics gaps a tenth.
     */
    static CellResult row(int b, String mode, long seed, boolean reference, double running, double batch,
            double divergence) {
        double[] div = {0.5 * divergence, divergence, 1.5 * divergence};
        double[] logVar = {0.25 * divergence, 0.5 * divergence, 0.75 * divergence};
        double[] gap = {0.05 * divergence, 0.1 * divergence, 0.15 * divergence};
        return new CellResult(new StudyCell(b, mode, seed), GLOBAL_BATCH / b, GLOBAL_BATCH, 2, reference, running,
                batch, 2.3 - 2 * running, 0.4 + divergence / 4, LAYERS, div, logVar, gap, gap, 60 + b);
    }

    /** The header of a study of {@link #collapse()}. */
    static ReportHeader header() {
        return new ReportHeader("Small per-worker batches and batch normalization", GLOBAL_BATCH, 2,
                "Fashion-MNIST (synthetic rows)", "a small CNN with 3 BN layers", MODES, BATCHES, SEEDS,
                "syncbn study --global-batch 32 --b 1,2,4,8 --bn sync,local,group:4 --seeds 1,2,3", 3725.4, 10);
    }

    /** A training curve: the loss falls from 2.3 over {@code steps} steps. */
    static Curve curve(String label, int steps) {
        double[] x = new double[steps];
        double[] y = new double[steps];
        for (int i = 0; i < steps; i++) {
            x[i] = i + 1;
            y[i] = 0.4 + 1.9 * Math.exp(-i / (steps / 4.0));
        }
        return new Curve(label, x, y);
    }

    /** Asserts that two results are equal field by field, doubles bit for bit (NaN equals NaN). */
    static void assertSameResult(CellResult expected, CellResult actual, String where) {
        assertAll(where,
                () -> assertEquals(expected.cell(), actual.cell(), "cell"),
                () -> assertEquals(expected.workers(), actual.workers(), "workers"),
                () -> assertEquals(expected.globalBatch(), actual.globalBatch(), "globalBatch"),
                () -> assertEquals(expected.epochs(), actual.epochs(), "epochs"),
                () -> assertEquals(expected.reference(), actual.reference(), "reference"),
                () -> assertBits(expected.testAccuracyRunning(), actual.testAccuracyRunning(), "testAccuracyRunning"),
                () -> assertBits(expected.testAccuracyBatch(), actual.testAccuracyBatch(), "testAccuracyBatch"),
                () -> assertBits(expected.testLoss(), actual.testLoss(), "testLoss"),
                () -> assertBits(expected.finalTrainLoss(), actual.finalTrainLoss(), "finalTrainLoss"),
                () -> assertEquals(expected.layers(), actual.layers(), "layers"),
                () -> assertArrayEquals(expected.divergenceMean(), actual.divergenceMean(), "divergenceMean"),
                () -> assertArrayEquals(expected.divergenceLogVar(), actual.divergenceLogVar(), "divergenceLogVar"),
                () -> assertArrayEquals(expected.runningGapMean(), actual.runningGapMean(), "runningGapMean"),
                () -> assertArrayEquals(expected.runningGapLogVar(), actual.runningGapLogVar(), "runningGapLogVar"),
                () -> assertBits(expected.seconds(), actual.seconds(), "seconds"));
    }

    private static void assertBits(double expected, double actual, String what) {
        assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual),
                what + ": expected " + expected + " but got " + actual);
    }
}
