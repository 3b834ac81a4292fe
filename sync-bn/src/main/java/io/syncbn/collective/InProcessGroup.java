package io.syncbn.collective;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A group of ranks that live in one JVM, one thread per rank, joined through shared memory. For
 * tests, the fixture verifier and single-JVM runs.
 *
 * <p>Each collective call is a round: every rank deposits a copy of its contribution; the last to
 * arrive folds the contributions in rank order (so the result never depends on arrival order) and
 * wakes the others, who copy the result out. A rank that misses the deadline, closes, or fails makes
 * the round — and every later one — fail on every rank with a message naming it.
 *
 * <pre>{@code
 * InProcessGroup group = InProcessGroup.create(4, Duration.ofSeconds(30));
 * // in worker thread k:
 * try (Collective c = group.member(k)) { c.allReduceSum(values); }
 * }</pre>
 */
public final class InProcessGroup {

    /** Default deadline of a blocking operation, sized for training steps. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private final int worldSize;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Long, Round> rounds = new HashMap<>();
    private final boolean[] closed;
    private final boolean[] taken;
    private final Map<String, InProcessGroup> subgroups = new HashMap<>();
    private CollectiveException failure;

    private InProcessGroup(int worldSize, Duration timeout) {
        this.worldSize = worldSize;
        this.timeout = timeout;
        this.closed = new boolean[worldSize];
        this.taken = new boolean[worldSize];
    }

    /**
     * A new group.
     *
     * @param worldSize number of ranks, at least 1
     * @param timeout deadline of each blocking operation, positive
     */
    public static InProcessGroup create(int worldSize, Duration timeout) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("worldSize must be at least 1, but got " + worldSize);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but got " + timeout);
        }
        return new InProcessGroup(worldSize, timeout);
    }

    /** A new group with {@link #DEFAULT_TIMEOUT}. */
    public static InProcessGroup create(int worldSize) {
        return create(worldSize, DEFAULT_TIMEOUT);
    }

    /** The number of ranks. */
    public int worldSize() {
        return worldSize;
    }

    /**
     * The handle of rank {@code rank}; each rank's handle can be taken once.
     *
     * @param rank in {@code [0, worldSize())}
     */
    public Collective member(int rank) {
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException(
                    "rank must be in [0, " + worldSize + "), but got " + rank);
        }
        lock.lock();
        try {
            if (taken[rank]) {
                throw new IllegalStateException("rank " + rank + " of this group was already taken; "
                        + "each rank's handle belongs to one worker");
            }
            taken[rank] = true;
        } finally {
            lock.unlock();
        }
        return new Member(rank);
    }

    /** The handles of every rank, in rank order. */
    public List<Collective> members() {
        List<Collective> all = new ArrayList<>(worldSize);
        for (int r = 0; r < worldSize; r++) {
            all.add(member(r));
        }
        return all;
    }

    /**
     * Runs {@code work} once per rank, each on its own thread with its own collective (closed when
     * the work returns), and returns the results in rank order.
     *
     * <p>If any rank throws, this throws too: the first failure that is not a {@link
     * CollectiveException} (the cause; the others usually just saw that rank fail), else the first
     * failure, in rank order.
     */
    public static <T> List<T> runEach(int worldSize, Duration timeout, Function<Collective, T> work) {
        InProcessGroup group = create(worldSize, timeout);
        ExecutorService pool = Executors.newFixedThreadPool(worldSize, r -> {
            Thread t = new Thread(r, "in-process-rank");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                Collective member = group.member(r);
                futures.add(pool.submit(() -> {
                    try (member) {
                        return work.apply(member);
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            RuntimeException cause = null;
            RuntimeException first = null;
            for (Future<T> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    RuntimeException failure = e.getCause() instanceof RuntimeException re ? re
                            : new CollectiveException("a rank failed: " + e.getCause(), e.getCause());
                    first = first == null ? failure : first;
                    if (cause == null && !(failure instanceof CollectiveException)) {
                        cause = failure;
                    }
                }
            }
            if (first != null) {
                throw cause != null ? cause : first;
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while waiting for " + worldSize + " ranks", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Combines the contributions of one round, indexed by rank, into the result. */
    private interface Folder {
        Object fold(Object[] contributions);
    }

    /** One collective call, shared by every rank that makes it. */
    private static final class Round {
        final String operation;
        final Object[] contributions;
        final int[] lengths;
        final boolean[] here;
        int arrived;
        int read;
        Object result;

        Round(String operation, int worldSize) {
            this.operation = operation;
            this.contributions = new Object[worldSize];
            this.lengths = new int[worldSize];
            this.here = new boolean[worldSize];
        }
    }

    private Object run(int rank, long seq, String operation, Object contribution, int length, Folder folder) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            checkUsable(rank, operation, seq);
            Round round = rounds.computeIfAbsent(seq, s -> new Round(operation, worldSize));
            if (!round.operation.equals(operation)) {
                fail("rank " + rank + " called " + operation + " #" + seq + " while other ranks called "
                        + round.operation + "; every rank must call the same collectives in the same order");
            }
            round.contributions[rank] = contribution;
            round.lengths[rank] = length;
            round.here[rank] = true;
            round.arrived++;
            if (round.arrived == worldSize) {
                checkLengths(round, seq);
                round.result = folder.fold(round.contributions);
                Arrays.fill(round.contributions, null);
                changed.signalAll();
            }
            while (round.result == null) {
                if (failure != null) {
                    throw relayed(rank);
                }
                String left = departed(round);
                if (left != null) {
                    fail(left + " left the group before " + operation + " #" + seq + "; rank " + rank
                            + " cannot complete it");
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    List<String> missing = new ArrayList<>();
                    for (int r = 0; r < worldSize; r++) {
                        if (!round.here[r]) {
                            missing.add("rank " + r);
                        }
                    }
                    CollectiveTimeoutException e = new CollectiveTimeoutException(
                            "in-process " + operation + " #" + seq, rank, missing, timeout);
                    failure = e;
                    changed.signalAll();
                    throw e;
                }
                try {
                    changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("rank " + rank + " was interrupted in " + operation + " #" + seq);
                }
            }
            if (++round.read == worldSize) {
                rounds.remove(seq);
            }
            return round.result;
        } finally {
            lock.unlock();
        }
    }

    /** The group's failure as seen by {@code rank}: a timeout stays a timeout, naming the same ranks. */
    private CollectiveException relayed(int rank) {
        if (failure instanceof CollectiveTimeoutException t) {
            return new CollectiveTimeoutException(t.operation(), rank, t.missing(), timeout);
        }
        return new CollectiveException(failure.getMessage(), failure);
    }

    private void checkUsable(int rank, String operation, long seq) {
        if (failure != null) {
            throw relayed(rank);
        }
        if (closed[rank]) {
            throw new IllegalStateException("rank " + rank + " called " + operation + " #" + seq
                    + " after closing its collective");
        }
    }

    private void checkLengths(Round round, long seq) {
        for (int r = 1; r < worldSize; r++) {
            if (round.lengths[r] != round.lengths[0]) {
                fail(round.operation + " #" + seq + ": every rank must contribute the same length, but rank 0 sent "
                        + round.lengths[0] + " values and rank " + r + " sent " + round.lengths[r]);
            }
        }
    }

    private String departed(Round round) {
        for (int r = 0; r < worldSize; r++) {
            if (closed[r] && !round.here[r]) {
                return "rank " + r;
            }
        }
        return null;
    }

    private void fail(String message) {
        failure = new CollectiveException(message);
        changed.signalAll();
        throw failure;
    }

    private InProcessGroup subgroup(long splitSeq, int groupSize, int groupIndex) {
        lock.lock();
        try {
            return subgroups.computeIfAbsent(splitSeq + "/" + groupSize + "/" + groupIndex,
                    k -> new InProcessGroup(groupSize, timeout));
        } finally {
            lock.unlock();
        }
    }

    /** One rank's handle. Not thread-safe: one worker thread uses it. */
    private final class Member implements Collective {
        private final int rank;
        private long seq;
        private long splits;
        private boolean open = true;

        Member(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int worldSize() {
            return worldSize;
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public void allReduce(double[] data, ReduceOp op) {
            Objects.requireNonNull(op, "op");
            double[] result = (double[]) run(rank, seq++, "allReduce", data.clone(), data.length,
                    contributions -> {
                        double[] acc = ((double[]) contributions[0]).clone();
                        for (int r = 1; r < contributions.length; r++) {
                            op.combine(acc, (double[]) contributions[r]);
                        }
                        return acc;
                    });
            System.arraycopy(result, 0, data, 0, data.length);
        }

        @Override
        public void allReduceSum(float[] data) {
            float[] result = (float[]) run(rank, seq++, "allReduceSum(float)", data.clone(), data.length,
                    contributions -> {
                        float[] acc = ((float[]) contributions[0]).clone();
                        for (int r = 1; r < contributions.length; r++) {
                            float[] other = (float[]) contributions[r];
                            for (int i = 0; i < acc.length; i++) {
                                acc[i] += other[i];
                            }
                        }
                        return acc;
                    });
            System.arraycopy(result, 0, data, 0, data.length);
        }

        @Override
        public void barrier() {
            run(rank, seq++, "barrier", Boolean.TRUE, 0, contributions -> Boolean.TRUE);
        }

        @Override
        public List<byte[]> allGather(byte[] payload) {
            // The length check is meaningless for payloads of different sizes: every rank reports 0.
            byte[][] all = (byte[][]) run(rank, seq++, "allGather", payload.clone(), 0,
                    contributions -> {
                        byte[][] copy = new byte[contributions.length][];
                        for (int r = 0; r < copy.length; r++) {
                            copy[r] = (byte[]) contributions[r];
                        }
                        return copy;
                    });
            List<byte[]> result = new ArrayList<>(all.length);
            for (byte[] p : all) {
                result.add(p.clone());
            }
            return List.copyOf(result);
        }

        @Override
        public void broadcast(double[] data, int root) {
            checkRoot(root);
            double[] result = (double[]) run(rank, seq++, "broadcast(root " + root + ")",
                    rank == root ? data.clone() : null, data.length + 1, contributions -> contributions[root]);
            if (rank != root) {
                System.arraycopy(result, 0, data, 0, data.length);
            }
        }

        @Override
        public void broadcast(float[] data, int root) {
            checkRoot(root);
            float[] result = (float[]) run(rank, seq++, "broadcast(float, root " + root + ")",
                    rank == root ? data.clone() : null, data.length + 1, contributions -> contributions[root]);
            if (rank != root) {
                System.arraycopy(result, 0, data, 0, data.length);
            }
        }

        private void checkRoot(int root) {
            if (root < 0 || root >= worldSize) {
                throw new IllegalArgumentException("root must be in [0, " + worldSize + "), but got " + root);
            }
        }

        @Override
        public Collective split(int groupSize) {
            if (groupSize < 1 || worldSize % groupSize != 0) {
                throw new IllegalArgumentException("groupSize must divide the world size " + worldSize
                        + ", but got " + groupSize + "; use a divisor of " + worldSize);
            }
            InProcessGroup sub = subgroup(splits++, groupSize, rank / groupSize);
            return sub.member(rank % groupSize);
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            lock.lock();
            try {
                closed[rank] = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            return "InProcessGroup.Member[rank " + rank + " of " + worldSize + "]";
        }
    }
}
