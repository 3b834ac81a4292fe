package io.syncbn.driver.run;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart's training curve: the first step's value, then the mean over a full window of steps,
 * each at its position in epochs.
 */
class RunChartTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void movingMeanStartsAtTheFirstStepAndThenUsesFullWindows() {
        // 200 steps per epoch -> a window of 200 / 50 = 4 steps; 8 steps recorded, losses 1..8.
        List<StepRecord> steps = new ArrayList<>();
        for (int s = 1; s <= 8; s++) {
            steps.add(new StepRecord(1, s, 200, s - 1, 10, s, 5, 1));
        }
        double[][] curve = RunChart.movingMean(steps, StepRecord::loss);
        assertAll(
                () -> assertArrayEquals(new double[] {1 / 200.0, 4 / 200.0, 5 / 200.0, 6 / 200.0, 7 / 200.0, 8 / 200.0},
                        curve[0], TOLERANCE, "x: epochs"),
                () -> assertArrayEquals(new double[] {1, 2.5, 3.5, 4.5, 5.5, 6.5}, curve[1], TOLERANCE,
                        "y: first value, then means of 4"));
    }

    @Test
    void shortEpochsPlotEveryStep() {
        List<StepRecord> steps = List.of(new StepRecord(2, 1, 2, 2, 8, 0.5, 4, 1), new StepRecord(2, 2, 2, 3, 8, 0.25, 8,
                1));
        double[][] curve = RunChart.movingMean(steps, StepRecord::accuracy);
        assertAll(
                () -> assertArrayEquals(new double[] {1.5, 2.0}, curve[0], TOLERANCE, "x: epoch 2, steps 1 and 2 of 2"),
                () -> assertArrayEquals(new double[] {0.5, 1.0}, curve[1], TOLERANCE, "y: accuracy per step"));
    }
}
