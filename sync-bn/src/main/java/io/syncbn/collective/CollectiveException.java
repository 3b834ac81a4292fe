package io.syncbn.collective;

/** A collective operation could not complete: a rank failed, left, or sent something unexpected. */
public class CollectiveException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with a message that names the ranks involved. */
    public CollectiveException(String message) {
        super(message);
    }

    /** An exception with a message that names the ranks involved, and its cause. */
    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
