package io.syncbn.worker.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syncbn.stats.ChannelMoments;
import io.syncbn.transport.JobSecret;
import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/** A Spark {@code local[4]} barrier stage whose tasks rendezvous once and then reduce over TCP. */
@Tag("integration")
class BarrierRendezvousSparkTest {

    private static final int TASKS = 4;
    private static final double MOMENT_TOLERANCE = 1e-12;

    @Test
    void aLocalBarrierStageRendezvousesAndReducesOverTcp() {
        SparkConf conf = new SparkConf().setMaster("local[" + TASKS + "]").setAppName("barrier-rendezvous-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        TcpConfig config = new TcpConfig(JobSecret.random()).withTimeout(Duration.ofSeconds(30));
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            List<double[]> results = sc.parallelize(Arrays.asList(0, 1, 2, 3), TASKS).rdd().barrier()
                    .mapPartitions(new ReduceInTask(config), false, ClassTag$.MODULE$.apply(double[].class))
                    .toJavaRDD().collect();

            assertEquals(TASKS, results.size(), "one result per task");
            double[] expectedMoments = ChannelMoments.of(new double[] {0, 1, 1, 2, 2, 3, 3, 4}, 1, 1).pack();
            for (double[] result : results) {
                int rank = (int) result[0];
                assertArrayEquals(new double[] {6, 4}, Arrays.copyOfRange(result, 1, 3), "sum on rank " + rank);
                assertArrayEquals(expectedMoments, Arrays.copyOfRange(result, 3, 6), MOMENT_TOLERANCE,
                        "merged moments on rank " + rank);
                assertEquals(TASKS, result[6], "world size on rank " + rank);
            }
        }
    }

    /** The barrier task: rendezvous, one sum, one merge of moments, one barrier. */
    static final class ReduceInTask extends AbstractFunction1<Iterator<Integer>, Iterator<double[]>>
            implements Serializable {

        private static final long serialVersionUID = 1L;

        private final TcpConfig config;

        ReduceInTask(TcpConfig config) {
            this.config = config;
        }

        @Override
        public Iterator<double[]> apply(Iterator<Integer> partition) {
            BarrierTaskContext context = BarrierTaskContext.get();
            try (TcpCollective c = BarrierRendezvous.join(context, config)) {
                int rank = c.rank();
                double[] sum = {rank, 1};
                c.allReduceSum(sum);
                double[] moments = ChannelMoments.of(new double[] {rank, rank + 1.0}, 1, 1).pack();
                c.allReduce(moments, ChannelMoments.MERGE);
                c.barrier();
                double[] result = {rank, sum[0], sum[1], moments[0], moments[1], moments[2], c.worldSize()};
                return scala.collection.Iterator$.MODULE$.single(result);
            }
        }
    }
}
