package io.syncbn.driver.spark;

/**
 * A barrier stage failed in a way another attempt can survive (an executor was lost, a worker
 * stalled or dropped its connections) and runs again from the snapshot it started from; see {@link
 * SyncTrainingMaster.Builder#maxStageAttempts}.
 *
 * @param failedAttempt the attempt that failed, 1-based
 * @param maxAttempts attempts allowed per stage
 * @param fromStep first step of the stage
 * @param toStep end of the stage's steps (exclusive)
 * @param reason what failed, in one line
 */
public record StageRetry(int failedAttempt, int maxAttempts, int fromStep, int toStep, String reason) {
}
