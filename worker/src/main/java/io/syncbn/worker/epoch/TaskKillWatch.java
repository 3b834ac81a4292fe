package io.syncbn.worker.epoch;

import java.util.concurrent.TimeUnit;
import org.apache.spark.TaskContext;

/**
 * Interrupts a barrier task's thread as soon as Spark marks the task killed. When one task of a
 * barrier stage fails (its executor was lost, say), Spark kills the others without interrupting their
 * threads ({@code killAllTaskAttempts(stage, interruptThread = false)}) and expects them to notice;
 * a task blocked in a collective operation, or dialing a peer that is gone, would otherwise hold its
 * task slot until the collective deadline, and the stage could not run again before that. The
 * collective's waits end on an interrupt ({@link io.syncbn.transport.TcpCollective}), so the task
 * ends within {@link #POLL_MILLIS} of the kill. The interrupt is repeated at every poll until the task
 * ends, because a task killed while it sleeps in Spark's {@code allGather} loses the first one there
 * (Spark catches it and, if the gather has completed, returns normally).
 */
final class TaskKillWatch implements AutoCloseable {

    /** How often the task's kill flag is read. */
    static final long POLL_MILLIS = 100;

    private final Thread watcher;
    private volatile boolean closed;

    private TaskKillWatch(TaskContext context, Thread task) {
        watcher = new Thread(() -> watch(context, task), "syncbn-kill-watch-" + context.partitionId());
        watcher.setDaemon(true);
    }

    /** Watches {@code context} and interrupts the calling thread when the task is killed. */
    static TaskKillWatch start(TaskContext context) {
        TaskKillWatch w = new TaskKillWatch(context, Thread.currentThread());
        w.watcher.start();
        return w;
    }

    private void watch(TaskContext context, Thread task) {
        try {
            while (!closed) {
                if (context.isInterrupted() && !closed) {
                    // Again at every poll: Spark's own barrier wait swallows an interrupt that reaches it.
                    task.interrupt();
                }
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Stops watching; the task's thread is not interrupted after this returns. */
    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
        try {
            watcher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
