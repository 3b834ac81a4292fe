package io.syncbn.driver.spark;

import java.time.Duration;
import org.apache.spark.SparkContext;

/**
 * Makes sure the cluster can run every worker's barrier task at once before a barrier stage is
 * submitted: a barrier stage needs all its tasks together, and Spark otherwise retries it slowly until
 * it gives up. A local master has its slots from the start and is checked at once; on a cluster,
 * executors register some seconds after the context starts, so the check waits for them (bounded by
 * {@link #WAIT_SETTING}).
 *
 * <p>Version pin: the slot count is {@code SparkContext.maxNumConcurrentTasks(ResourceProfile)}, which
 * Scala declares {@code private[spark]} (public in the bytecode Java sees). It is the count Spark's own
 * barrier check uses ({@code DAGScheduler.checkBarrierStageWithNumSlots}), so this check agrees with the
 * scheduler exactly, resource profiles and {@code spark.task.cpus} included. The public API has no
 * equivalent: {@code SparkStatusTracker.getExecutorInfos()} gives no core counts, and {@code
 * defaultParallelism} can be overridden by configuration. Checked against Spark 3.5 (the version the
 * build pins); a Spark upgrade that changes the method breaks the compilation of this class, not a run.
 */
public final class SlotCheck {

    /** Spark setting that bounds the wait for executors, e.g. {@code --conf spark.syncbn.executorWait=300s}. */
    public static final String WAIT_SETTING = "spark.syncbn.executorWait";

    /** How long to wait for executors when {@link #WAIT_SETTING} is not set. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);

    private static final long POLL_MILLIS = 250;

    /** The cluster cannot run the stage. */
    public static final class NotEnoughSlotsException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NotEnoughSlotsException(String message) {
            super(message);
        }
    }

    private SlotCheck() {
    }

    /** The task slots the cluster offers now (executor cores divided by {@code spark.task.cpus}). */
    public static int available(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    /**
     * Returns once {@code workers} tasks can run at once.
     *
     * @throws NotEnoughSlotsException if they cannot (after the wait, on a cluster), saying how many
     *     slots there are and what to change
     */
    public static void requireSlots(SparkContext sc, int workers) {
        Duration wait = sc.isLocal() ? Duration.ZERO
                : Duration.ofSeconds(sc.getConf().getTimeAsSeconds(WAIT_SETTING, DEFAULT_WAIT.toSeconds() + "s"));
        long deadline = System.nanoTime() + wait.toNanos();
        int slots = available(sc);
        while (slots < workers && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotEnoughSlotsException("interrupted while waiting for executors to offer " + workers
                        + " task slots (" + slots + " so far)");
            }
            slots = available(sc);
        }
        if (slots < workers) {
            String waited = sc.isLocal() ? "" : "after " + wait.toSeconds() + " s ";
            String longer = sc.isLocal() ? "" : "; to wait longer for executors, set --conf " + WAIT_SETTING + "=300s";
            throw new NotEnoughSlotsException("training needs all " + workers + " workers running at once, but "
                    + waited + "the cluster offers " + slots + " task slots (master " + sc.master() + ", spark.task.cpus "
                    + sc.getConf().get("spark.task.cpus", "1") + "); give the job at least " + workers
                    + " executor cores (e.g. spark-submit --total-executor-cores " + workers + ", or --num-executors x "
                    + "--executor-cores >= " + workers + "; local[" + workers + "] in one process), or use "
                    + Math.max(1, slots) + " workers" + longer);
        }
    }
}
