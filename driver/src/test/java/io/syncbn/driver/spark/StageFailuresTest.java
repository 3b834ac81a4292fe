package io.syncbn.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.collective.CollectiveTimeoutException;
import java.time.Duration;
import java.util.List;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/** Which job failures are worth another attempt, and the line that tells what failed. */
class StageFailuresTest {

    private static final String LOST = "Job aborted due to stage failure: Could not recover from a failed barrier "
            + "ResultStage. Most recent failure reason: Stage failed because barrier task ResultTask(5, 1) finished "
            + "unsuccessfully.\nExecutorLostFailure (executor 0 exited caused by one of the running tasks) Reason: "
            + "Command exited with code 137\nDriver stacktrace:\n\tat org.apache.spark.scheduler.DAGScheduler.x";
    private static final String TIMEOUT = "Job aborted due to stage failure: Could not recover from a failed barrier "
            + "ResultStage. Most recent failure reason: Stage failed because barrier task ResultTask(7, 0) finished "
            + "unsuccessfully.\nio.syncbn.collective.CollectiveTimeoutException: rank 0 waited 6000 ms in "
            + "allReduceSum(float) #3 but these ranks never arrived: rank 2 (executor 1, 10.0.0.7:41002)\n\tat "
            + "io.syncbn.transport.Mesh.x(Mesh.java:1)";
    private static final String BAD_DATA = "Job aborted due to stage failure: Could not recover from a failed barrier "
            + "ResultStage. Most recent failure reason: Stage failed because barrier task ResultTask(7, 0) finished "
            + "unsuccessfully.\njava.lang.IllegalArgumentException: labels must be one-hot\n\tat a.b(C.java:1)";

    @Test
    void lostExecutorsAndCollectiveFailuresAreRecoverable() {
        assertTrue(StageFailures.recoverable(new SparkException(LOST)));
        assertTrue(StageFailures.recoverable(new SparkException(TIMEOUT)));
        assertTrue(StageFailures.recoverable(new RuntimeException("wrapped",
                new CollectiveTimeoutException("allReduce", 0, List.of("rank 1"), Duration.ofSeconds(1)))));
    }

    @Test
    void whatTheTrainingCodeThrowsIsNot() {
        assertFalse(StageFailures.recoverable(new SparkException(BAD_DATA)));
        assertFalse(StageFailures.recoverable(new IllegalStateException("no slots")));
    }

    @Test
    void theReasonIsTheLineNamingTheFailure() {
        assertEquals("ExecutorLostFailure (executor 0 exited caused by one of the running tasks) Reason: Command "
                + "exited with code 137", StageFailures.reason(new SparkException(LOST)));
        assertEquals("io.syncbn.collective.CollectiveTimeoutException: rank 0 waited 6000 ms in allReduceSum(float) "
                + "#3 but these ranks never arrived: rank 2 (executor 1, 10.0.0.7:41002)",
                StageFailures.reason(new SparkException(TIMEOUT)));
        assertEquals("Lost task 1.0 in stage 3.0 (TID 9) (10.0.0.7 executor 2): java.io.IOException: x",
                StageFailures.reason(new SparkException("Job aborted due to stage failure: Task 1 in stage 3.0 failed "
                        + "4 times, most recent failure: Lost task 1.0 in stage 3.0 (TID 9) (10.0.0.7 executor 2): "
                        + "java.io.IOException: x")));
    }
}
