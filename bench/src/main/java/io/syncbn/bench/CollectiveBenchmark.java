package io.syncbn.bench;

import io.syncbn.stats.ChannelMoments;
import io.syncbn.transport.JobSecret;
import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import io.syncbn.worker.rendezvous.LoopbackRendezvous;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * The numbers behind the TCP transport, on loopback, ranks as threads of this JVM (run by {@code
 * scripts/bench-collective}).
 *
 * <p>Default run: the baselines (TCP ping-pong round trip, one stream's bandwidth, one Spark barrier
 * {@code allGather}), then p50/p99 all-reduce latency at 2, 4 and 8 ranks for BN moments ({@code 2C +
 * 1} doubles merged with Chan's operator, C = 16, 256, 1024) and gradients (1 M and 10 M floats summed),
 * then the two ratios and a last line {@code RESULT small_over_rtt=<x> large_over_stream=<y>} (4 ranks,
 * C = 1024 and 10 M floats; medians of three rounds, each against a baseline measured just before).
 *
 * <p>{@code --sweep}: the poll before blocking, recursive doubling against the ring, and binomial tree
 * against chain broadcast, over sizes, to place the defaults of {@link TcpConfig}. {@code --spin-us N}
 * runs with another {@link TcpConfig#spin()}.
 */
public final class CollectiveBenchmark {

    private static final int[] RANKS = {2, 4, 8};
    private static final int[] CHANNELS = {16, 256, 1024};
    private static final int[] GRADIENTS = {1_000_000, 10_000_000};
    private static final int RESULT_RANKS = 4;
    private static final int RESULT_CHANNELS = 1024;
    private static final int RESULT_GRADIENT = 10_000_000;
    private static final long STREAM_BYTES = 1L << 30;
    private static final int STREAM_TRIALS = 5;
    private static final int SPARK_TASKS = 4;
    private static final int SPARK_JOBS = 3;
    private static final int PING_PONG_WARMUP = 5_000;
    private static final int PING_PONGS = 20_000;
    private static final int SMALL_WARMUP = 3_000;
    private static final int SMALL_ITERATIONS = 3_000;
    private static final int RATIO_ROUNDS = 3;
    private static final String ROW = "%-38s %5d  %-18s %9.1f %9.1f %9.1f %11.1f%n";

    private final TcpConfig config;

    private CollectiveBenchmark(TcpConfig config) {
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        TcpConfig config = new TcpConfig(JobSecret.random());
        int spinAt = options.indexOf("--spin-us");
        if (spinAt >= 0) {
            config = config.withSpin(Duration.ofNanos(1000L * Integer.parseInt(options.get(spinAt + 1))));
        }
        CollectiveBenchmark bench = new CollectiveBenchmark(config);
        System.out.printf("# bench-collective: loopback TCP, ranks are threads of one JVM; %d cores; Java %s;"
                + " spin %d us, ring from %d B%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), config.spin().toNanos() / 1000, config.ringThresholdBytes());
        if (options.contains("--sweep")) {
            bench.sweep();
        } else {
            bench.standard();
        }
        System.out.flush();
        // Spark leaves a non-daemon timer thread ("Barrier task timer for barrier() calls.") behind.
        System.exit(0);
    }

    private void standard() throws Exception {
        long blocking = pingPongP50(PingPong.MESSAGE_BYTES, false);
        long polling = pingPongP50(PingPong.MESSAGE_BYTES, true);
        int bnBytes = ChannelMoments.packedLength(RESULT_CHANNELS) * Double.BYTES;
        long bnPolling = pingPongP50(bnBytes, true);
        double stream = streamBandwidth(STREAM_TRIALS);
        Percentiles spark = new Percentiles(SparkAllGather.callTimes(SPARK_TASKS, SPARK_JOBS));
        System.out.printf("baseline  tcp ping-pong round trip, %d B, blocking read, p50       %10.1f us%n",
                PingPong.MESSAGE_BYTES, blocking / 1e3);
        System.out.printf("baseline  tcp ping-pong round trip, %d B, polling read, p50        %10.1f us%n",
                PingPong.MESSAGE_BYTES, polling / 1e3);
        System.out.printf("baseline  tcp ping-pong round trip, %d B (one C=%d message), polling %8.1f us%n",
                bnBytes, RESULT_CHANNELS, bnPolling / 1e3);
        System.out.printf("baseline  tcp single-stream bandwidth, median of %d x 1 GiB       %10.1f MB/s%n",
                STREAM_TRIALS, stream / 1e6);
        System.out.printf("baseline  spark local[%d] barrier allGather, p50 of %d calls      %10.1f ms%n",
                SPARK_TASKS, SPARK_TASKS * SPARK_JOBS, spark.p50() / 1e6);
        System.out.println();
        System.out.println("# p50/p99: mean over ranks of each rank's call time, per iteration (OSU style);"
                + " span: first rank's start to last rank's end");
        System.out.printf("%-38s %5s  %-18s %9s %9s %9s %11s%n", "allReduce", "ranks", "algorithm", "p50_us",
                "p99_us", "span_p50", "algbw_MB/s");
        for (int p : RANKS) {
            List<TcpCollective> ranks = LoopbackRendezvous.connectAll(config, p);
            try {
                for (int c : CHANNELS) {
                    row("BN moments C=" + c + " (" + ChannelMoments.packedLength(c) + " f64, MERGE)", p,
                            "recursive doubling", moments(ranks, c, SMALL_WARMUP, SMALL_ITERATIONS),
                            ChannelMoments.packedLength(c) * 8L);
                }
                for (int n : GRADIENTS) {
                    long bytes = 4L * n;
                    row("gradient " + n / 1_000_000 + " M f32 (SUM)", p, algorithm(bytes),
                            gradient(ranks, n, 2, largeIterations(n)), bytes);
                }
            } finally {
                ranks.forEach(TcpCollective::close);
            }
        }
        ratios();
    }

    /**
     * The two ratios, each from a baseline measured right before its all-reduce (the machine is
     * shared, so a baseline from minutes earlier may have run under another load); three rounds,
     * medians reported.
     */
    private void ratios() throws Exception {
        int p = RESULT_RANKS;
        double[] small = new double[RATIO_ROUNDS];
        double[] large = new double[RATIO_ROUNDS];
        System.out.println();
        System.out.printf("# ratios at %d ranks, each against a baseline measured just before it; rtt: the better"
                + " p50 of the blocking and the polling %d B ping-pong%n", p, PingPong.MESSAGE_BYTES);
        List<TcpCollective> ranks = LoopbackRendezvous.connectAll(config, p);
        try {
            for (int round = 0; round < RATIO_ROUNDS; round++) {
                long rtt = Math.min(pingPongP50(PingPong.MESSAGE_BYTES, false), pingPongP50(PingPong.MESSAGE_BYTES, true));
                long smallP50 = new Percentiles(moments(ranks, RESULT_CHANNELS, SMALL_WARMUP, SMALL_ITERATIONS)
                        .perRank()).p50();
                double stream = streamBandwidth(1);
                long largeP50 = new Percentiles(gradient(ranks, RESULT_GRADIENT, 2, largeIterations(RESULT_GRADIENT))
                        .perRank()).p50();
                double algbw = 4.0 * RESULT_GRADIENT / (largeP50 / 1e9);
                small[round] = (double) smallP50 / rtt;
                large[round] = algbw / stream;
                System.out.printf("round %d: rtt %.1f us, BN C=%d %.1f us -> %.2f;  stream %.0f MB/s, %d M f32 %.0f MB/s"
                        + " -> %.3f%n", round + 1, rtt / 1e3, RESULT_CHANNELS, smallP50 / 1e3, small[round],
                        stream / 1e6, RESULT_GRADIENT / 1_000_000, algbw / 1e6, large[round]);
            }
        } finally {
            ranks.forEach(TcpCollective::close);
        }
        double smallOverRtt = median(small);
        double largeOverStream = median(large);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("ratio small all-reduce p50 / ping-pong rtt (%d ranks, C=%d), median: %.2f (target <= 3)%n",
                p, RESULT_CHANNELS, smallOverRtt);
        System.out.printf("ratio large all-reduce algbw / stream bandwidth (%d ranks, %d M f32), median: %.3f"
                + " (target >= 0.5)%n", p, RESULT_GRADIENT / 1_000_000, largeOverStream);
        System.out.printf("# bound on that ratio here: each byte is copied twice by the kernel; the stream's two"
                + " copies run on 2 cores, the ring's 4(p-1)n copies share %d: min(%d, 2p) / (4(p-1)) = %.3f%n",
                cores, cores, Math.min(cores, 2.0 * p) / (4.0 * (p - 1)));
        System.out.printf("RESULT small_over_rtt=%.2f large_over_stream=%.3f%n", smallOverRtt, largeOverStream);
    }

    private static long pingPongP50(int bytes, boolean poll) throws Exception {
        return new Percentiles(PingPong.roundTrips(bytes, poll, PING_PONG_WARMUP, PING_PONGS)).p50();
    }

    private static double streamBandwidth(int trials) throws Exception {
        double[] rates = new double[trials];
        for (int t = 0; t < trials; t++) {
            rates[t] = StreamBandwidth.bytesPerSecond(STREAM_BYTES);
        }
        return median(rates);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static int largeIterations(int n) {
        return n >= 10_000_000 ? 10 : 40;
    }

    private void sweep() throws Exception {
        System.out.println("# BN moments (C=" + RESULT_CHANNELS + ", MERGE) by how long a rank polls before it blocks,"
                + " p50 in us");
        System.out.printf("%5s %10s %12s%n", "ranks", "spin_us", "p50");
        for (int p : RANKS) {
            for (int spinMicros : new int[] {0, 20, 50, 100, 200, 500}) {
                List<TcpCollective> ranks = LoopbackRendezvous.connectAll(
                        config.withSpin(Duration.ofNanos(spinMicros * 1000L)), p);
                try {
                    long t = new Percentiles(moments(ranks, RESULT_CHANNELS, 2_000, 2_000).perRank()).p50();
                    System.out.printf("%5d %10d %12.1f%n", p, spinMicros, t / 1e3);
                } finally {
                    ranks.forEach(TcpCollective::close);
                }
            }
        }
        System.out.println();
        TcpConfig doubling = config.withRingThresholdBytes(Integer.MAX_VALUE);
        TcpConfig ring = config.withRingThresholdBytes(0);
        System.out.println("# all-reduce of f32 sums: recursive doubling vs ring, p50 in us");
        System.out.printf("%5s %10s %12s %12s %8s%n", "ranks", "bytes", "doubling", "ring", "ring/rd");
        for (int p : RANKS) {
            List<TcpCollective> rd = LoopbackRendezvous.connectAll(doubling, p);
            List<TcpCollective> rg = LoopbackRendezvous.connectAll(ring, p);
            try {
                for (int bytes = 4 << 10; bytes <= 16 << 20; bytes <<= bytes < (64 << 10) || bytes >= (4 << 20) ? 2 : 1) {
                    int n = bytes / 4;
                    int iterations = bytes <= (256 << 10) ? 400 : bytes <= (4 << 20) ? 40 : 15;
                    long a = new Percentiles(gradient(rd, n, 3, iterations).perRank()).p50();
                    long b = new Percentiles(gradient(rg, n, 3, iterations).perRank()).p50();
                    System.out.printf("%5d %10d %12.1f %12.1f %8.2f%n", p, bytes, a / 1e3, b / 1e3, (double) b / a);
                }
            } finally {
                rd.forEach(TcpCollective::close);
                rg.forEach(TcpCollective::close);
            }
        }
        TcpConfig binomial = config.withChainThresholdBytes(Integer.MAX_VALUE);
        TcpConfig chain = config.withChainThresholdBytes(0);
        System.out.println();
        System.out.println("# broadcast of f32 from rank 0: binomial tree vs chain, p50 in us");
        System.out.printf("%5s %10s %12s %12s %8s%n", "ranks", "bytes", "binomial", "chain", "chain/bt");
        for (int p : new int[] {4, 8}) {
            List<TcpCollective> bt = LoopbackRendezvous.connectAll(binomial, p);
            List<TcpCollective> ch = LoopbackRendezvous.connectAll(chain, p);
            try {
                for (int bytes = 64 << 10; bytes <= 16 << 20; bytes <<= 1) {
                    int n = bytes / 4;
                    int iterations = bytes <= (1 << 20) ? 100 : 15;
                    long a = new Percentiles(broadcast(bt, n, 3, iterations).perRank()).p50();
                    long b = new Percentiles(broadcast(ch, n, 3, iterations).perRank()).p50();
                    System.out.printf("%5d %10d %12.1f %12.1f %8.2f%n", p, bytes, a / 1e3, b / 1e3, (double) b / a);
                }
            } finally {
                bt.forEach(TcpCollective::close);
                ch.forEach(TcpCollective::close);
            }
        }
    }

    private String algorithm(long bytes) {
        return bytes >= config.ringThresholdBytes() ? "ring" : "recursive doubling";
    }

    private static void row(String label, int p, String algorithm, CollectiveTimer.Latencies latencies, long bytes) {
        Percentiles t = new Percentiles(latencies.perRank());
        Percentiles span = new Percentiles(latencies.span());
        System.out.printf(ROW, label, p, algorithm, t.p50() / 1e3, t.p99() / 1e3, span.p50() / 1e3,
                bytes / (t.p50() / 1e9) / 1e6);
    }

    /** Chan's merge of packed moments of {@code channels} channels; each rank's input differs. */
    private static CollectiveTimer.Latencies moments(List<TcpCollective> ranks, int channels, int warmup, int iterations)
            throws Exception {
        int p = ranks.size();
        double[][] inputs = perRank(p, r -> {
            Random random = new Random(r);
            double[] packed = new double[ChannelMoments.packedLength(channels)];
            packed[0] = 64;
            for (int c = 1; c <= channels; c++) {
                packed[c] = random.nextGaussian();
                packed[c + channels] = 64 * (1 + random.nextDouble());
            }
            return packed;
        });
        double[][] work = perRank(p, r -> new double[inputs[r].length]);
        return CollectiveTimer.time(ranks, warmup, iterations, new CollectiveTimer.RankOp() {
            @Override
            public void reset(int rank) {
                System.arraycopy(inputs[rank], 0, work[rank], 0, work[rank].length);
            }

            @Override
            public void run(TcpCollective c, int rank) {
                c.allReduce(work[rank], ChannelMoments.MERGE);
            }
        });
    }

    /** A sum of {@code n} floats. */
    private static CollectiveTimer.Latencies gradient(List<TcpCollective> ranks, int n, int warmup, int iterations)
            throws Exception {
        float[] input = randomFloats(n);
        float[][] work = new float[ranks.size()][n];
        return CollectiveTimer.time(ranks, warmup, iterations, new CollectiveTimer.RankOp() {
            @Override
            public void reset(int rank) {
                System.arraycopy(input, 0, work[rank], 0, n);
            }

            @Override
            public void run(TcpCollective c, int rank) {
                c.allReduceSum(work[rank]);
            }
        });
    }

    /** A broadcast of {@code n} floats from rank 0. */
    private static CollectiveTimer.Latencies broadcast(List<TcpCollective> ranks, int n, int warmup, int iterations)
            throws Exception {
        float[] input = randomFloats(n);
        float[][] work = new float[ranks.size()][n];
        return CollectiveTimer.time(ranks, warmup, iterations, new CollectiveTimer.RankOp() {
            @Override
            public void reset(int rank) {
                if (rank == 0) {
                    System.arraycopy(input, 0, work[rank], 0, n);
                }
            }

            @Override
            public void run(TcpCollective c, int rank) {
                c.broadcast(work[rank], 0);
            }
        });
    }

    private static float[] randomFloats(int n) {
        Random random = new Random(42);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() - 0.5f;
        }
        return values;
    }

    private static double[][] perRank(int p, IntFunction<double[]> make) {
        double[][] all = new double[p][];
        for (int r = 0; r < p; r++) {
            all[r] = make.apply(r);
        }
        return all;
    }
}
