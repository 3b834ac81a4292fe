package io.syncbn.driver.spark;

import org.apache.spark.SparkContext;

/**
 * Refuses a barrier stage that the cluster cannot run: a barrier stage needs all its tasks at once,
 * and Spark otherwise retries it slowly until it gives up.
 */
final class SlotCheck {

    private SlotCheck() {
    }

    static void requireSlots(SparkContext sc, int workers) {
        int slots = sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        if (slots < workers) {
            throw new IllegalStateException("training needs " + workers + " barrier tasks running at once, but the "
                    + "cluster has " + slots + " task slots (master " + sc.master() + ", spark.task.cpus "
                    + sc.getConf().get("spark.task.cpus", "1") + "); use at most " + slots + " workers or add executors/cores");
        }
    }
}
