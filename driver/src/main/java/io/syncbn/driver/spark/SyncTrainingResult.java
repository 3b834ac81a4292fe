package io.syncbn.driver.spark;

import io.syncbn.worker.epoch.EpochResult;
import org.deeplearning4j.spark.api.TrainingResult;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;

/**
 * DL4J's view of one epoch's result, for the {@code TrainingMaster} type parameters. Statistics live
 * in {@link SyncTrainingMaster#lastEpochMetrics()}; DL4J's {@code SparkTrainingStats} are not kept.
 *
 * @param result rank 0's result
 */
public record SyncTrainingResult(EpochResult result) implements TrainingResult {

    @Override
    public void setStats(SparkTrainingStats stats) {
        throw new UnsupportedOperationException("SyncTrainingMaster reports per-step metrics through "
                + "lastEpochMetrics(), not through SparkTrainingStats");
    }
}
