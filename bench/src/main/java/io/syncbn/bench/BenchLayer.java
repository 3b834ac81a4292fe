package io.syncbn.bench;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code scripts/bench-layer}: runs {@link LayerBenchmark} in this JVM and prints each median, the
 * ratio of this project's layer to DL4J's per shape (target: at most 1.2), and a last line {@code
 * RESULT nchw_ratio=<x> dense_ratio=<y>}.
 */
public final class BenchLayer {

    private BenchLayer() {
    }

    /** Entry point; optional argument: measurement seconds per benchmark (default 8). */
    public static void main(String[] args) throws RunnerException {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Options options = new OptionsBuilder()
                .include(LayerBenchmark.class.getName())
                .forks(0)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(seconds).measurementTime(TimeValue.seconds(1))
                .threads(1)
                .shouldDoGC(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> median = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replaceAll(".*\\.", "") + "/" + r.getParams().getParam("shape");
            median.put(name, r.getPrimaryResult().getStatistics().getPercentile(50));
        }
        System.out.println();
        System.out.println("shape  syncbn_p50_ms  dl4j_p50_ms  ratio (syncbn / dl4j; target <= 1.2)");
        double nchw = report(median, "nchw");
        double dense = report(median, "dense");
        System.out.printf("RESULT nchw_ratio=%.3f dense_ratio=%.3f%n", nchw, dense);
    }

    private static double report(Map<String, Double> median, String shape) {
        double ours = median.get("syncBatchNorm/" + shape);
        double theirs = median.get("dl4jBatchNorm/" + shape);
        double ratio = ours / theirs;
        System.out.printf("%-6s %13.3f %12.3f  %.3f%n", shape, ours, theirs, ratio);
        return ratio;
    }
}
