package io.syncbn.collective;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs one task per rank, each in its own thread, and collects what every rank returned or threw. */
public final class Ranks {

    /** How long a test waits for all ranks before it declares them hung. */
    public static final Duration HANG_LIMIT = Duration.ofSeconds(60);

    private Ranks() {
    }

    /** What one rank's task does. */
    @FunctionalInterface
    public interface Task<T> {
        T run(int rank) throws Exception;
    }

    /** The outcome of one rank: a value or the exception it threw. */
    public record Outcome<T>(int rank, T value, Throwable error) {

        /** The value, or an assertion error that carries the rank's exception. */
        public T get() {
            if (error != null) {
                throw new AssertionError("rank " + rank + " failed: " + error, error);
            }
            return value;
        }
    }

    /** Runs {@code task} for ranks {@code 0..worldSize-1} at once and returns the outcomes by rank. */
    public static <T> List<Outcome<T>> run(int worldSize, Task<T> task) {
        ExecutorService pool = Executors.newFixedThreadPool(worldSize, daemonThreads());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                int rank = r;
                futures.add(pool.submit(() -> task.run(rank)));
            }
            List<Outcome<T>> outcomes = new ArrayList<>();
            long deadline = System.nanoTime() + HANG_LIMIT.toNanos();
            for (int r = 0; r < worldSize; r++) {
                outcomes.add(outcome(r, futures.get(r), deadline));
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs {@code task} on every rank and returns the values by rank; fails if any rank threw. */
    public static <T> List<T> values(int worldSize, Task<T> task) {
        List<T> values = new ArrayList<>();
        for (Outcome<T> o : run(worldSize, task)) {
            values.add(o.get());
        }
        return values;
    }

    private static <T> Outcome<T> outcome(int rank, Future<T> future, long deadline) {
        try {
            return new Outcome<>(rank, future.get(Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS), null);
        } catch (ExecutionException e) {
            return new Outcome<>(rank, null, e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("rank " + rank + " still runs after " + HANG_LIMIT + ": it hangs", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for rank " + rank, e);
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger next = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, "rank-thread-" + next.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
