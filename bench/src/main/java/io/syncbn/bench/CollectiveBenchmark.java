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
 * C = 1024 and 10 M floats).
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
        long rtt = new Percentiles(PingPong.roundTrips(5_000, 20_000)).p50();
        double[] streams = new double[STREAM_TRIALS];
        for (int t = 0; t < STREAM_TRIALS; t++) {
            streams[t] = StreamBandwidth.bytesPerSecond(STREAM_BYTES);
        }
        Arrays.sort(streams);
        double stream = streams[STREAM_TRIALS / 2];
        Percentiles spark = new Percentiles(SparkAllGather.callTimes(SPARK_TASKS, SPARK_JOBS));
        System.out.printf("baseline  tcp ping-pong round trip (%d B), p50 of 20000      %10.1f us%n",
                PingPong.MESSAGE_BYTES, rtt / 1e3);
        System.out.printf("baseline  tcp single-stream bandwidth, median of %d x 1 GiB  %10.1f MB/s%n",
                STREAM_TRIALS, stream / 1e6);
        System.out.printf("baseline  spark local[%d] barrier allGather, p50 of %d calls %10.1f ms%n",
                SPARK_TASKS, SPARK_TASKS * SPARK_JOBS, spark.p50() / 1e6);
        System.out.println();
        System.out.println("# p50/p99: mean over ranks of each rank's call time, per iteration (OSU style);"
                + " span: first rank's start to last rank's end");
        System.out.printf("%-38s %5s  %-18s %9s %9s %9s %11s%n", "allReduce", "ranks", "algorithm", "p50_us",
                "p99_us", "span_p50", "algbw_MB/s");
        double smallP50 = Double.NaN;
        double largeAlgbw = Double.NaN;
        for (int p : RANKS) {
            List<TcpCollective> ranks = LoopbackRendezvous.connectAll(config, p);
            try {
                for (int c : CHANNELS) {
                    CollectiveTimer.Latencies t = moments(ranks, c, 3_000, 3_000);
                    row("BN moments C=" + c + " (" + ChannelMoments.packedLength(c) + " f64, MERGE)", p,
                            "recursive doubling", t, ChannelMoments.packedLength(c) * 8L);
                    if (p == RESULT_RANKS && c == RESULT_CHANNELS) {
                        smallP50 = new Percentiles(t.perRank()).p50();
                    }
                }
                for (int n : GRADIENTS) {
                    int iterations = n >= 10_000_000 ? 10 : 40;
                    CollectiveTimer.Latencies t = gradient(ranks, n, 2, iterations);
                    long bytes = 4L * n;
                    row("gradient " + n / 1_000_000 + " M f32 (SUM)", p, algorithm(bytes), t, bytes);
                    if (p == RESULT_RANKS && n == RESULT_GRADIENT) {
                        largeAlgbw = bytes / (new Percentiles(t.perRank()).p50() / 1e9);
                    }
                }
            } finally {
                ranks.forEach(TcpCollective::close);
            }
        }
        double smallOverRtt = smallP50 / rtt;
        double largeOverStream = largeAlgbw / stream;
        System.out.println();
        System.out.printf("ratio small all-reduce p50 / ping-pong rtt (%d ranks, C=%d): %.2f (target <= 3)%n",
                RESULT_RANKS, RESULT_CHANNELS, smallOverRtt);
        System.out.printf("ratio large all-reduce algbw / stream bandwidth (%d ranks, %d M f32): %.3f (target >= 0.5)%n",
                RESULT_RANKS, RESULT_GRADIENT / 1_000_000, largeOverStream);
        System.out.printf("RESULT small_over_rtt=%.2f large_over_stream=%.3f%n", smallOverRtt, largeOverStream);
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
                for (int bytes = 4 << 10; bytes <= 16 << 20; bytes <<= 2) {
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
                for (int bytes = 64 << 10; bytes <= 16 << 20; bytes <<= 2) {
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
