package io.syncbn.driver.run;

import java.util.ArrayList;
import java.util.List;

/**
 * A failure told in a few lines: Spark reports a failed task with its whole stack trace inside the
 * message of a {@code SparkException}; a person needs what failed and why, not Spark's scheduler
 * frames (those stay in the log).
 */
final class FailureSummary {

    /** Lines of a failure message that are kept. */
    static final int MAX_LINES = 3;

    private FailureSummary() {
    }

    /** The message of {@code e} without stack frames, at most {@link #MAX_LINES} lines. */
    static String of(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        List<String> kept = new ArrayList<>();
        for (String line : message.split("\\R")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("at ") || t.startsWith("... ") || t.startsWith("Driver stacktrace")) {
                continue;
            }
            kept.add(t);
            if (kept.size() == MAX_LINES) {
                break;
            }
        }
        return String.join("\n", kept);
    }
}
