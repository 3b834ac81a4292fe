package io.syncbn.driver.spark;

import java.util.List;

/**
 * Tells the failures of a barrier stage that another attempt can survive from those it would only
 * repeat. Spark does not retry a failed barrier result stage ("Could not recover from a failed barrier
 * ResultStage"); the driver can, because every stage starts from a snapshot it holds. Worth another
 * attempt: a lost executor (killed, crashed, out of memory, its machine gone) and the collective
 * failures that a lost or stalled worker causes on the others (a deadline passed, a connection
 * dropped). Not worth it: anything the training code itself threw, such as bad data or a refused
 * batch, which a second attempt on the same snapshot and data would throw again.
 */
final class StageFailures {

    /** Words of Spark's failure text and exception class names that mark a failure as recoverable. */
    static final List<String> RECOVERABLE_MARKS = List.of("ExecutorLostFailure", "FetchFailed",
            "io.syncbn.collective.CollectiveException", "io.syncbn.collective.CollectiveTimeoutException");

    private StageFailures() {
    }

    /** Whether {@code failure} (a job failure from Spark, with its causes) is worth another attempt. */
    static boolean recoverable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.syncbn.collective.CollectiveException) {
                return true;
            }
            String text = String.valueOf(t.getMessage());
            for (String mark : RECOVERABLE_MARKS) {
                if (text.contains(mark)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The most telling line of {@code failure}: the reason Spark gives for the failed task (which
     * names the executor and its host), without Spark's preamble and stack frames.
     */
    static String reason(Throwable failure) {
        String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        for (String line : message.split("\\R")) {
            String t = line.strip();
            int lost = t.indexOf("Lost task");
            if (lost >= 0) {
                return t.substring(lost);
            }
            if (t.startsWith("ExecutorLostFailure") || t.contains("Exception: ")) {
                return t;
            }
        }
        return message.lines().findFirst().orElse(message).strip();
    }
}
