package io.syncbn.driver.data;

/**
 * Data that cannot be used: a missing or malformed file, a bad spec, too few examples. The message
 * names the file (or spec), where in it (record, line or byte offset) and the rule broken.
 */
public class DataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** A refusal with its message. */
    public DataException(String message) {
        super(message);
    }

    /** A refusal caused by an I/O or format error. */
    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
