package io.syncbn.collective;

import java.time.Duration;
import java.util.List;

/** Some ranks did not arrive at a collective operation before its deadline. */
public class CollectiveTimeoutException extends CollectiveException {

    private static final long serialVersionUID = 1L;

    private final String operation;
    private final List<String> missing;

    /**
     * @param operation what was waited for, e.g. {@code "allReduce #12"}
     * @param rank the rank that waited
     * @param missing the ranks that did not arrive, each described as precisely as the transport can
     *     (a rank number, or a rank with its host:port)
     * @param timeout the deadline that passed
     */
    public CollectiveTimeoutException(String operation, int rank, List<String> missing, Duration timeout) {
        super("rank " + rank + " waited " + timeout.toMillis() + " ms in " + operation
                + " but these ranks never arrived: " + String.join(", ", missing)
                + "; a worker died or is stuck (check its log), or raise the collective timeout");
        this.operation = operation;
        this.missing = List.copyOf(missing);
    }

    /**
     * For a rank that learns of the timeout from another rank, which saw it first.
     *
     * @param message what happened, naming the rank that reported it
     * @param missing the ranks that did not arrive, as the reporting rank described them
     */
    public CollectiveTimeoutException(String message, List<String> missing) {
        super(message);
        this.operation = "";
        this.missing = List.copyOf(missing);
    }

    /** What was waited for ({@code ""} when relayed from another rank). */
    public String operation() {
        return operation;
    }

    /** The ranks that did not arrive. */
    public List<String> missing() {
        return missing;
    }
}
