/**
 * A training run and its directory: {@link io.syncbn.driver.run.TrainingRun} trains epoch by epoch in
 * checkpointed step ranges with {@link io.syncbn.driver.spark.SyncTrainingMaster}, evaluates on the
 * held-out set after every epoch ({@link io.syncbn.driver.evaluation.TestEvaluation}), and writes the files
 * {@link io.syncbn.driver.run.RunDirectory} lists: the resolved configuration, {@code metrics.jsonl}
 * ({@link io.syncbn.driver.run.MetricsLog}), checkpoints ({@link io.syncbn.driver.run.Checkpoints}),
 * the model zip, the chart ({@link io.syncbn.driver.run.RunChart}) and, last, the summary. Every file
 * that marks progress is replaced atomically ({@link io.syncbn.driver.run.AtomicFiles}).
 */
package io.syncbn.driver.run;
