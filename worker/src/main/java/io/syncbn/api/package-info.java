/**
 * Types that users of the trainer ({@code io.syncbn.driver.spark.SyncTrainingMaster}) name in their
 * own code: the batch-normalization mode ({@link io.syncbn.api.BnMode}) and the metrics of a training
 * step ({@link io.syncbn.api.StepMetrics}). Everything else in the {@code worker} module is internal
 * to the trainer.
 */
package io.syncbn.api;
