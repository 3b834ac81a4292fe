package io.syncbn.bench;

import io.syncbn.transport.TcpCollective;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Times one collective on ranks that run as threads of this JVM. Each iteration: every rank resets its
 * data (untimed), meets the others at a barrier, then times its own call. Two latencies per iteration:
 * the mean over ranks of their call times (what a rank waits for, the measure of the OSU
 * micro-benchmarks), and the span from the first rank's start to the last rank's end, which also
 * counts the skew with which ranks leave the barrier.
 */
final class CollectiveTimer {

    /** What every rank does in one iteration. */
    interface RankOp {
        /** Restores rank {@code rank}'s input; not timed. */
        void reset(int rank);

        /** The timed operation. */
        void run(TcpCollective collective, int rank);
    }

    private CollectiveTimer() {
    }

    /**
     * Per-iteration latencies in nanoseconds.
     *
     * @param perRank the mean over ranks of each rank's call time
     * @param span from the first rank's start to the last rank's end
     */
    record Latencies(long[] perRank, long[] span) {
    }

    /** Latencies of {@code iterations} iterations after {@code warmup}. */
    static Latencies time(List<TcpCollective> ranks, int warmup, int iterations, RankOp op)
            throws InterruptedException, ExecutionException {
        int p = ranks.size();
        int total = warmup + iterations;
        long[][] start = new long[total][p];
        long[][] end = new long[total][p];
        ExecutorService pool = Executors.newFixedThreadPool(p);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < p; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    TcpCollective c = ranks.get(rank);
                    for (int i = 0; i < total; i++) {
                        op.reset(rank);
                        c.barrier();
                        start[i][rank] = System.nanoTime();
                        op.run(c, rank);
                        end[i][rank] = System.nanoTime();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long[] perRank = new long[iterations];
        long[] span = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            long sum = 0;
            for (int r = 0; r < p; r++) {
                first = Math.min(first, start[warmup + i][r]);
                last = Math.max(last, end[warmup + i][r]);
                sum += end[warmup + i][r] - start[warmup + i][r];
            }
            perRank[i] = sum / p;
            span[i] = last - first;
        }
        return new Latencies(perRank, span);
    }
}
