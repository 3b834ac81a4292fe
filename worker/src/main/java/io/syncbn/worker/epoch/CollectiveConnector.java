package io.syncbn.worker.epoch;

import io.syncbn.collective.Collective;
import java.io.Serializable;
import org.apache.spark.BarrierTaskContext;

/**
 * Joins a barrier task to its group of tasks: created on the driver, shipped with the task, called
 * once per task before the first step. The returned collective is closed when the epoch ends.
 */
@FunctionalInterface
public interface CollectiveConnector extends Serializable {

    /** This task's rank (its partition id) joined to every other task of the stage. */
    Collective connect(BarrierTaskContext context);
}
