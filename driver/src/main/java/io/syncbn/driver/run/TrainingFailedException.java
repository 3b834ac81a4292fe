package io.syncbn.driver.run;

/**
 * Training stopped after the run directory was created. The message says where it stopped, why, and
 * how to continue from the last checkpoint ({@code --resume}).
 */
public class TrainingFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A failure with its explanation and cause. */
    public TrainingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
