package io.syncbn.driver.evaluation;

import java.util.List;

/**
 * Batch-normalization diagnostics at the end of an epoch. Per-layer arrays follow {@link #layers()}.
 *
 * @param layers names of the batch-normalization layers, input side first: {@code bn1}, {@code bn2}, ...
 * @param runningGapMean per layer: mean over channels of |μ_running − μ_population| / σ_population
 *     ({@link io.syncbn.stats.StatisticsDivergence}), where the population statistics are those of the
 *     layer's input over the whole training set with the network in inference mode
 * @param runningGapLogVar per layer: mean over channels of |log(σ²_running / σ²_population)|
 * @param testAccuracyBatch test accuracy when every block of {@code batch} consecutive test examples
 *     is normalized with its own statistics; {@code NaN} if a block has fewer than 2 values per channel
 * @param testLossBatch the test loss in the same setting, or {@code NaN}
 * @param batch the block size: the training run's per-worker batch
 */
public record EpochDiagnostics(List<String> layers, double[] runningGapMean, double[] runningGapLogVar,
        double testAccuracyBatch, double testLossBatch, int batch) {

    /** Validates that every per-layer array has one value per layer. */
    public EpochDiagnostics {
        layers = List.copyOf(layers);
        if (runningGapMean.length != layers.size() || runningGapLogVar.length != layers.size()) {
            throw new IllegalArgumentException("per-layer arrays must have " + layers.size() + " values, but have "
                    + runningGapMean.length + " and " + runningGapLogVar.length);
        }
        runningGapMean = runningGapMean.clone();
        runningGapLogVar = runningGapLogVar.clone();
    }
}
