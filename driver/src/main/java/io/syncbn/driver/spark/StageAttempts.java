package io.syncbn.driver.spark;

import io.syncbn.worker.epoch.BarrierEpochTask;
import io.syncbn.worker.epoch.EpochResult;
import io.syncbn.worker.epoch.EpochSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag$;

/**
 * Runs one barrier stage of a prepared epoch until an attempt finishes: a stage that fails
 * recoverably ({@link StageFailures}: a lost executor, a stalled or vanished worker) runs again from
 * the same broadcast snapshot, up to {@code maxStageAttempts} times in all, after the cluster offers
 * the slots again and the epoch's partitions are whole again; anything else ends the training at once.
 * Spark itself never retries a failed barrier result stage.
 */
final class StageAttempts {

    private final SyncTrainingMaster.Settings settings;
    private final List<Consumer<StageRetry>> listeners;

    StageAttempts(SyncTrainingMaster.Settings settings, List<Consumer<StageRetry>> listeners) {
        this.settings = settings;
        this.listeners = listeners;
    }

    /**
     * Computes and caches every partition of {@code epoch} in a regular Spark job. A barrier stage
     * must not be the one that reads the shuffle: when it meets a lost shuffle output it cannot retry
     * (Spark aborts a barrier result stage on a fetch failure) and, as of Spark 3.5, leaves the stage's
     * other tasks waiting in {@code allGather}. A regular job recomputes what an executor took with it,
     * so this runs when an epoch is prepared and again before a failed stage runs again.
     */
    static void materialize(SyncTrainingMaster.PreparedEpoch epoch) {
        long examples = epoch.examples().count();
        if (examples != epoch.split().examples()) {
            throw new IllegalStateException("the prepared epoch holds " + examples + " examples but its plan "
                    + epoch.split().examples());
        }
    }

    /**
     * Rank 0's result of the first attempt that finishes.
     *
     * @throws StageFailedException when the attempts run out, or a failure would repeat
     */
    EpochResult run(JavaSparkContext sc, SyncTrainingMaster.PreparedEpoch epoch, EpochSpec spec,
            BarrierEpochTask task) {
        for (int attempt = 1; ; attempt++) {
            try {
                return runOnce(epoch, spec, task);
            } catch (RuntimeException e) {
                retryOrThrow(sc, e, attempt, epoch, spec);
            } catch (Exception e) {
                // Spark's SparkException is checked but thrown undeclared through collect().
                retryOrThrow(sc, e, attempt, epoch, spec);
            }
        }
    }

    private EpochResult runOnce(SyncTrainingMaster.PreparedEpoch epoch, EpochSpec spec, BarrierEpochTask task) {
        RDD<EpochResult> results = epoch.examples().rdd().barrier()
                .mapPartitions(task, false, ClassTag$.MODULE$.apply(EpochResult.class));
        List<EpochResult> collected = new ArrayList<>(results.toJavaRDD().collect());
        collected.sort(Comparator.comparingInt(EpochResult::rank));
        long expected = 0;
        for (int k = 0; k < settings.workers(); k++) {
            expected += spec.examplesOf(k, spec.fromStep(), spec.toStep());
        }
        if (collected.size() != settings.workers()) {
            throw new IllegalStateException("expected one result from each of " + settings.workers() + " workers, got "
                    + collected.size());
        }
        long trained = collected.stream().mapToLong(EpochResult::examples).sum();
        if (trained != expected) {
            throw new IllegalStateException("the workers trained on " + trained + " examples but the steps hold "
                    + expected);
        }
        return collected.get(0);
    }

    /** Returns when the failed stage should run again; throws when it should not. */
    private void retryOrThrow(JavaSparkContext sc, Exception failure, int attempt,
            SyncTrainingMaster.PreparedEpoch epoch, EpochSpec spec) {
        if (!StageFailures.recoverable(failure)) {
            // Spark's checked SparkException becomes unchecked here, with its message and as the cause.
            throw failure instanceof RuntimeException r ? r : new StageFailedException(failure.getMessage(), failure);
        }
        int from = spec.fromStep();
        int to = spec.toStep();
        String reason = StageFailures.reason(failure);
        if (attempt >= settings.maxStageAttempts()) {
            throw new StageFailedException("the barrier stage of steps " + (from + 1) + "-" + to + " failed " + attempt
                    + (attempt == 1 ? " time" : " times") + " (max-stage-attempts " + settings.maxStageAttempts()
                    + "); last failure: " + reason + "; allow more attempts with --max-stage-attempts, or fix the "
                    + "cause and continue the run", failure);
        }
        LoggerFactory.getLogger(SyncTrainingMaster.class).warn("barrier stage of steps {}-{} failed (attempt {} of {}): "
                + "{}; running it again from its snapshot", from + 1, to, attempt, settings.maxStageAttempts(), reason);
        StageRetry retry = new StageRetry(attempt, settings.maxStageAttempts(), from, to, reason);
        for (Consumer<StageRetry> l : listeners) {
            l.accept(retry);
        }
        SlotCheck.requireSlots(sc.sc(), settings.workers());
        // Partitions cached on a lost executor are computed again here, not inside the barrier stage.
        materialize(epoch);
    }
}
