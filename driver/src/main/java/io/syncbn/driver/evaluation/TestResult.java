package io.syncbn.driver.evaluation;

import org.nd4j.evaluation.classification.Evaluation;

/**
 * A network's quality on held-out examples, in inference mode (batch normalization with running
 * statistics).
 *
 * @param examples examples evaluated
 * @param accuracy fraction predicted correctly (arg-max of the output)
 * @param loss mean loss per example, as the network's output layer defines it
 * @param evaluation DL4J's full evaluation (confusion matrix, per-class precision and recall)
 */
public record TestResult(long examples, double accuracy, double loss, Evaluation evaluation) {
}
