package io.syncbn.bench;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * What the TCP transport replaces: one {@link BarrierTaskContext#allGather} call in a Spark
 * {@code local[tasks]} barrier stage, timed inside each task.
 */
final class SparkAllGather {

    private SparkAllGather() {
    }

    /** The duration in nanoseconds of every task's allGather call, over {@code jobs} barrier jobs. */
    static long[] callTimes(int tasks, int jobs) {
        SparkConf conf = new SparkConf().setMaster("local[" + tasks + "]").setAppName("bench-collective")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        List<Long> times = new ArrayList<>();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            List<Integer> partitions = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                partitions.add(t);
            }
            for (int job = 0; job < jobs; job++) {
                times.addAll(sc.parallelize(partitions, tasks).rdd().barrier()
                        .mapPartitions(new TimeOneAllGather(), false, ClassTag$.MODULE$.apply(Long.class))
                        .toJavaRDD().collect());
            }
        }
        return times.stream().mapToLong(Long::longValue).toArray();
    }

    /** The barrier task: one allGather of a short string, timed. */
    static final class TimeOneAllGather extends AbstractFunction1<Iterator<Integer>, Iterator<Long>>
            implements Serializable {

        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Long> apply(Iterator<Integer> partition) {
            BarrierTaskContext context = BarrierTaskContext.get();
            long start = System.nanoTime();
            String[] all = context.allGather("127.0.0.1:" + (40_000 + context.partitionId()));
            long elapsed = System.nanoTime() - start;
            if (all.length != context.numPartitions()) {
                throw new IllegalStateException("allGather returned " + Arrays.toString(all));
            }
            return scala.collection.Iterator$.MODULE$.single(elapsed);
        }
    }
}
