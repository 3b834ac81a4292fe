package io.syncbn.driver.run;

import java.time.Duration;
import org.apache.spark.SparkContext;

/**
 * Waits until the cluster can run every worker's barrier task at once. On a cluster, executors
 * register with the driver some seconds after the context starts; a barrier stage submitted before
 * that would be refused for lack of slots. Local masters have their slots at once.
 */
public final class TaskSlots {

    /** Spark setting that bounds the wait, e.g. {@code --conf spark.syncbn.executorWait=300s}. */
    public static final String WAIT_SETTING = "spark.syncbn.executorWait";

    /** How long to wait when {@link #WAIT_SETTING} is not set. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);

    private static final long POLL_MILLIS = 250;

    private TaskSlots() {
    }

    /** The task slots the cluster offers now (executor cores divided by {@code spark.task.cpus}). */
    public static int available(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    /**
     * Returns once {@code workers} tasks can run at once.
     *
     * @throws RunRefusedException if they cannot within the wait, saying how many slots there are and
     *     what to change
     * @throws InterruptedException if interrupted while waiting
     */
    public static void await(SparkContext sc, int workers) throws InterruptedException {
        // A local master has all its slots from the start: nothing to wait for.
        Duration wait = sc.isLocal() ? Duration.ZERO
                : Duration.ofSeconds(sc.getConf().getTimeAsSeconds(WAIT_SETTING, DEFAULT_WAIT.toSeconds() + "s"));
        long deadline = System.nanoTime() + wait.toNanos();
        int slots = available(sc);
        while (slots < workers && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MILLIS);
            slots = available(sc);
        }
        if (slots < workers) {
            String waited = sc.isLocal() ? "" : "after " + wait.toSeconds() + " s ";
            String longer = sc.isLocal() ? "" : "; to wait longer for executors, set --conf " + WAIT_SETTING + "=300s";
            throw new RunRefusedException("training needs all " + workers + " workers running at once, but " + waited
                    + "the cluster offers " + slots + " task slots (master " + sc.master() + ", spark.task.cpus "
                    + sc.getConf().get("spark.task.cpus", "1") + "); give the job at least " + workers
                    + " executor cores (e.g. spark-submit --total-executor-cores " + workers + ", or --num-executors x "
                    + "--executor-cores >= " + workers + "; local[" + workers + "] in one process), or use --workers "
                    + Math.max(1, slots) + longer);
        }
    }
}
