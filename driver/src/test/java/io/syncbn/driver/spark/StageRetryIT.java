package io.syncbn.driver.spark;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.collective.Collective;
import io.syncbn.driver.ExactBits;
import io.syncbn.collective.CollectiveException;
import io.syncbn.worker.epoch.CollectiveConnector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A barrier stage whose task fails the way a lost or stalled worker makes it fail runs again from its
 * snapshot and ends with the parameters of a stage that never failed; attempts are bounded; a failure
 * that another attempt would only repeat ends training at once. Failures are injected into rank 1's
 * rendezvous on {@code local[3]}.
 */
@Tag("integration")
class StageRetryIT {

    /** Failures rank 1 still has to inject; the tasks run in this JVM. */
    private static final AtomicInteger FAILURES_LEFT = new AtomicInteger();
    /** Rendezvous attempts of rank 1. */
    private static final AtomicInteger ATTEMPTS = new AtomicInteger();
    /** The collective deadline of tasks that wait for a dead peer; the test must end long before it. */
    private static final int STUCK_DEADLINE_SECONDS = 90;
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[3]").setAppName("StageRetryIT")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    @BeforeEach
    void reset() {
        FAILURES_LEFT.set(0);
        ATTEMPTS.set(0);
    }

    /** How rank 1 fails. */
    private enum Failure {
        /** A collective failure in its rendezvous, as a lost peer causes. */
        RECOVERABLE,
        /** An error of its own, which another attempt would repeat. */
        FATAL,
        /**
         * It announces an address nobody listens on and dies after the rendezvous, while the others
         * wait for it in their connection setup, blocked until their (long) deadline unless the kill of
         * their tasks stops them.
         */
        DEAD_PEER
    }

    /** Rank 1 fails its rendezvous as {@code failure} says while {@link #FAILURES_LEFT} is positive. */
    private record FlakyConnector(CollectiveConnector inner, Failure failure) implements CollectiveConnector {
        private static final long serialVersionUID = 1L;

        @Override
        public Collective connect(BarrierTaskContext context) {
            if (context.partitionId() == 1) {
                ATTEMPTS.incrementAndGet();
                if (FAILURES_LEFT.getAndDecrement() > 0) {
                    switch (failure) {
                        case RECOVERABLE -> throw new CollectiveException("rank 1 lost its peers (injected)");
                        case FATAL -> throw new IllegalStateException("rank 1 refused its data (injected)");
                        default -> {
                            context.allGather("127.0.0.1:1 executor gone");
                            throw new CollectiveException("rank 1 died after the rendezvous (injected)");
                        }
                    }
                }
            }
            return inner.connect(context);
        }
    }

    private static SyncTrainingMaster master(int attempts, Failure failure) {
        return new SyncTrainingMaster.Builder(3, 2).seed(6).maxStageAttempts(attempts)
                .connectors(s -> new FlakyConnector(TcpConnectors.forSettings(s), failure)).build();
    }

    private static MultiLayerNetwork train(MultiLayerNetwork net, SyncTrainingMaster tm) {
        new SparkDl4jMultiLayer(sc, net, tm).fit(sc.parallelize(SyncTrainingMasterIT.data(22, 3), 3));
        return net;
    }

    private static MultiLayerNetwork fresh() {
        return (MultiLayerNetwork) SyncTrainingMasterIT.build(false, new Adam(0.02));
    }

    @Test
    void aRecoverableFailureRunsTheStageAgainToTheSameParameters() {
        MultiLayerNetwork clean = train(fresh(), master(3, Failure.RECOVERABLE));
        FAILURES_LEFT.set(2);
        ATTEMPTS.set(0);
        SyncTrainingMaster tm = master(3, Failure.RECOVERABLE);
        List<StageRetry> retries = new ArrayList<>();
        tm.addStageRetryListener(retries::add);
        MultiLayerNetwork retried = train(fresh(), tm);
        assertAll(
                () -> assertArrayEquals(ExactBits.of(clean.params()),
                        ExactBits.of(retried.params()), "parameters, bit for bit"),
                () -> assertArrayEquals(ExactBits.of(clean.getUpdater().getStateViewArray()),
                        ExactBits.of(retried.getUpdater().getStateViewArray()), "Adam state"),
                () -> assertEquals(clean.getIterationCount(), retried.getIterationCount(), "iterations"),
                () -> assertEquals(3, ATTEMPTS.get(), "two failed attempts, then one that finished"),
                () -> assertEquals(List.of(1, 2), retries.stream().map(StageRetry::failedAttempt).toList()),
                () -> assertTrue(retries.get(0).reason().contains("rank 1 lost its peers (injected)"),
                        retries.get(0).reason()),
                () -> assertEquals(0, retries.get(0).fromStep()),
                () -> assertEquals(tm.lastEpochMetrics().size(), retries.get(0).toStep()));
    }

    @Test
    void theOtherTasksOfAFailedStageStopAtOnceEvenWhileWaitingForAPeer() {
        MultiLayerNetwork clean = train(fresh(), master(3, Failure.RECOVERABLE));
        FAILURES_LEFT.set(1);
        ATTEMPTS.set(0);
        SyncTrainingMaster tm = new SyncTrainingMaster.Builder(3, 2).seed(6).maxStageAttempts(2)
                .collectiveTimeout(java.time.Duration.ofSeconds(STUCK_DEADLINE_SECONDS))
                .connectors(s -> new FlakyConnector(TcpConnectors.forSettings(s), Failure.DEAD_PEER)).build();
        long start = System.nanoTime();
        MultiLayerNetwork retried = train(fresh(), tm);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertAll(
                () -> assertEquals(2, ATTEMPTS.get(), "one failed attempt, then one that finished"),
                () -> assertTrue(seconds < STUCK_DEADLINE_SECONDS / 2.0, "the retry ran " + seconds + " s after the "
                        + "start, so the stuck tasks did not wait for their " + STUCK_DEADLINE_SECONDS + " s deadline"),
                () -> assertArrayEquals(ExactBits.of(clean.params()),
                        ExactBits.of(retried.params()), "parameters, bit for bit"));
    }

    @Test
    void attemptsRunOutWithAClearMessageAndTheNetworkUntouched() {
        MultiLayerNetwork net = fresh();
        long[] before = ExactBits.of(net.params());
        FAILURES_LEFT.set(5);
        StageFailedException e = assertThrows(StageFailedException.class,
                () -> train(net, master(2, Failure.RECOVERABLE)));
        assertAll(
                () -> assertTrue(e.getMessage().startsWith("the barrier stage of steps 1-4 failed 2 times "
                        + "(max-stage-attempts 2); last failure: "), e.getMessage()),
                () -> assertTrue(e.getMessage().contains("rank 1 lost its peers (injected)"), e.getMessage()),
                () -> assertTrue(e.getMessage().endsWith("allow more attempts with --max-stage-attempts, or fix the "
                        + "cause and continue the run"), e.getMessage()),
                () -> assertEquals(2, ATTEMPTS.get(), "attempts"),
                () -> assertArrayEquals(before, ExactBits.of(net.params()), "parameters unchanged"));
    }

    @Test
    void aFailureThatWouldRepeatIsNotRetried() {
        FAILURES_LEFT.set(1);
        StageFailedException e = assertThrows(StageFailedException.class,
                () -> train(fresh(), master(3, Failure.FATAL)));
        assertAll(
                () -> assertTrue(e.getCause() instanceof org.apache.spark.SparkException, "Spark's failure as the cause"),
                () -> assertTrue(String.valueOf(e.getMessage()).contains("rank 1 refused its data (injected)"),
                        String.valueOf(e.getMessage())),
                () -> assertEquals(1, ATTEMPTS.get(), "one attempt"));
    }
}
