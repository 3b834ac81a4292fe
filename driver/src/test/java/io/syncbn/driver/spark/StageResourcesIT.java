package io.syncbn.driver.spark;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Many barrier stages leave nothing behind: after 14 stages in {@code local[3]} (driver and workers in
 * this JVM, each stage with its rendezvous, TCP mesh, live-progress port, broadcast snapshot and
 * restored networks), this process holds as many threads, file descriptors and sockets as after the
 * first few. Threads of Spark's block manager pools are not counted: each destroyed broadcast and
 * unpersisted block starts work there, and Spark keeps up to 100 idle threads per pool for 60 s before
 * they end (bounded, and Spark's). A leaked socket, selector or thread per stage would show as 10 of them.
 */
@Tag("integration")
class StageResourcesIT {

    private static final int WARM_UP_STAGES = 4;
    private static final int STAGES = 14;
    /** What may come and go between two looks without being a leak (Spark's pools, the JIT's threads). */
    private static final int SLACK = 6;

    @Test
    void fourteenStagesLeaveNoThreadsFilesOrSocketsBehind() throws Exception {
        SparkConf conf = new SparkConf().setMaster("local[3]").setAppName("StageResourcesIT")
                .set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            MultiLayerNetwork net = (MultiLayerNetwork) SyncTrainingMasterIT.build(false, new Adam(0.01));
            SyncTrainingMaster tm = new SyncTrainingMaster.Builder(3, 2).seed(2).build();
            java.util.List<DataSet> data = SyncTrainingMasterIT.data(3 * 2 * STAGES, 4);
            Counts base = null;
            try (SyncTrainingMaster.PreparedEpoch epoch = tm.prepare(
                    sc.parallelize(data, 3).map(DataSet::toMultiDataSet), 0)) {
                for (int s = 0; s < STAGES; s++) {
                    tm.trainSteps(sc, net, epoch, s, s + 1, m -> { });
                    if (s == WARM_UP_STAGES - 1) {
                        base = Counts.settled();
                    }
                }
            }
            Counts end = Counts.settled();
            Counts first = base;
            java.util.Map<String, Long> names = Thread.getAllStackTraces().keySet().stream().collect(
                    java.util.stream.Collectors.groupingBy(t -> t.getName().replaceAll("\\d+", "#"),
                            java.util.TreeMap::new, java.util.stream.Collectors.counting()));
            System.out.println("threads by name: " + names);
            System.out.println("after " + WARM_UP_STAGES + " stages: " + first + "; after " + STAGES + ": " + end);
            assertAll(
                    () -> assertTrue(end.threads() <= first.threads() + SLACK, "threads " + first + " -> " + end),
                    () -> assertTrue(end.fds() <= first.fds() + SLACK, "file descriptors " + first + " -> " + end),
                    () -> assertTrue(end.sockets() <= first.sockets() + SLACK, "sockets " + first + " -> " + end));
        }
    }

    /** Threads, open file descriptors and sockets of this process. */
    private record Counts(int threads, int fds, int sockets) {
        /** The counts once finished threads and closed channels have had a moment to go. */
        static Counts settled() throws IOException, InterruptedException {
            System.gc();
            Thread.sleep(1500);
            int fds = 0;
            int sockets = 0;
            try (Stream<Path> links = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : links.toList()) {
                    fds++;
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                            sockets++;
                        }
                    } catch (IOException e) {
                        // closed while we looked
                    }
                }
            }
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !t.getName().startsWith("block-manager-")).count();
            return new Counts((int) threads, fds, sockets);
        }

        @Override
        public String toString() {
            return threads + " threads, " + fds + " fds, " + sockets + " sockets";
        }
    }
}
