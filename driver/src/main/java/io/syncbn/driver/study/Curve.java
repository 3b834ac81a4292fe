package io.syncbn.driver.study;

/**
 * A training curve of one cell for the report: training loss per global step.
 *
 * @param label the legend text, e.g. {@code "b=1 local s1"}
 * @param steps global step numbers, 1-based, increasing
 * @param loss mean training loss of each step (training mode)
 */
public record Curve(String label, double[] steps, double[] loss) {

    /** Validates that both arrays have one value per step. */
    public Curve {
        if (steps.length != loss.length) {
            throw new IllegalArgumentException("steps and loss must have the same length, but have " + steps.length
                    + " and " + loss.length);
        }
        steps = steps.clone();
        loss = loss.clone();
    }
}
