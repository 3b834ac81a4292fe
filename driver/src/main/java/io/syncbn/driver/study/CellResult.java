package io.syncbn.driver.study;

import java.util.List;
import java.util.Objects;

/**
 * What one finished cell of a study measured: one row of {@code study.csv}.
 *
 * <p>Per-layer arrays follow the order of {@link #layers()} (the network's batch-normalization
 * layers, input side first). A value that could not be measured is {@link Double#NaN} (written as
 * an empty CSV field).
 *
 * @param cell the cell's identity
 * @param workers N = global batch / per-worker batch
 * @param globalBatch examples per global step
 * @param epochs epochs trained
 * @param reference whether this is the reference: one worker holding the whole global batch (all BN
 *     modes coincide there)
 * @param testAccuracyRunning test accuracy in inference mode with the running statistics (what a
 *     deployed model does)
 * @param testAccuracyBatch test accuracy normalizing test mini-batches of the per-worker size with
 *     their own statistics (the normalization the network was trained with)
 * @param testLoss test loss with the running statistics
 * @param finalTrainLoss mean training loss of the last epoch (training mode)
 * @param layers names of the batch-normalization layers
 * @param divergenceMean per layer: mean over the last epoch's diagnostic steps, channels and
 *     workers of |μ_local − μ_global| / σ_global
 * @param divergenceLogVar per layer: the same mean of |log(σ²_local / σ²_global)|
 * @param runningGapMean per layer, after the last epoch: mean over channels of |μ_running − μ_population|
 *     / σ_population
 * @param runningGapLogVar per layer, after the last epoch: mean over channels of |log(σ²_running /
 *     σ²_population)|
 * @param seconds wall time of the cell's training run, including evaluation
 */
public record CellResult(StudyCell cell, int workers, int globalBatch, int epochs, boolean reference,
        double testAccuracyRunning, double testAccuracyBatch, double testLoss, double finalTrainLoss,
        List<String> layers, double[] divergenceMean, double[] divergenceLogVar, double[] runningGapMean,
        double[] runningGapLogVar, double seconds) {

    /** Validates that every per-layer array has one value per layer. */
    public CellResult {
        Objects.requireNonNull(cell, "cell");
        layers = List.copyOf(layers);
        for (double[] a : new double[][] {divergenceMean, divergenceLogVar, runningGapMean, runningGapLogVar}) {
            if (a == null || a.length != layers.size()) {
                throw new IllegalArgumentException("every per-layer array must have one value per layer ("
                        + layers.size() + "), but one has " + (a == null ? "none" : a.length));
            }
        }
        divergenceMean = divergenceMean.clone();
        divergenceLogVar = divergenceLogVar.clone();
        runningGapMean = runningGapMean.clone();
        runningGapLogVar = runningGapLogVar.clone();
    }

    /** Mean of {@link #divergenceMean} over layers (NaN if there is no layer or no value). */
    public double meanDivergence() {
        return mean(divergenceMean);
    }

    /** Mean of {@link #divergenceLogVar} over layers. */
    public double meanLogVarDivergence() {
        return mean(divergenceLogVar);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? Double.NaN : sum / values.length;
    }
}
