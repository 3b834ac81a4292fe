package io.syncbn.driver.spark;

/** A barrier stage failed and is not run again: its attempts ran out, or the failure would only repeat. */
public final class StageFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    StageFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
