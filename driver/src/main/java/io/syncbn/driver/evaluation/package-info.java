/**
 * Evaluation of a trained network on the driver: test accuracy and loss in inference mode ({@link
 * io.syncbn.driver.evaluation.TestEvaluation}), and the epoch-end diagnostics of batch normalization
 * ({@link io.syncbn.driver.evaluation.EpochDiagnosis}): the gap between the running statistics and
 * the population statistics of the training set under the current weights, and the train/inference
 * gap (test accuracy with running statistics versus with batch statistics). The per-step diagnostics
 * are measured by the workers ({@link io.syncbn.nn.SynchronizationDiagnostics}).
 */
package io.syncbn.driver.evaluation;
