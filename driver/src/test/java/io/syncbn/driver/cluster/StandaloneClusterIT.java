package io.syncbn.driver.cluster;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.StepMetrics;
import io.syncbn.driver.ExactBits;
import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.progress.TrainingProgress;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.run.TrainingRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Training on a real Spark standalone cluster: a Master and two Workers in JVMs of their own, each
 * Worker running one executor JVM with two task slots ({@code scripts/cluster}), and this JVM as the
 * driver. Every run trains the same job, 4 workers x 4 examples of synthetic images for 64 steps in
 * four checkpointed stages, and must end with exactly the parameters of the job in {@code local[4]}:
 * uninterrupted, with an executor killed mid-stage (the stage runs again), and with a stranger hammering
 * the collective ports, and with an executor stopped by SIGSTOP: the stage then fails within the
 * collective deadline naming the stalled rank and its executor, and runs again once Spark has declared
 * the executor lost and the Worker has started another.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {

    private static final int WORKERS = 4;
    private static final int STEPS = 64;
    private static final int KILL_AT_STEP = 20;
    private static final int DEADLINE_SECONDS = 6;
    private static final int LOST_AFTER_SECONDS = 15;
    /** How much more resident memory the executors may use under attack than without: a leak is far more. */
    private static final long ATTACK_MEMORY_SLACK = 256L << 20;

    private static StandaloneCluster cluster;
    private static Path tmp;
    private static long[] reference;
    private static long cleanResident;

    @BeforeAll
    static void start() throws Exception {
        tmp = Files.createTempDirectory("syncbn-cluster-it");
        Path dir = Path.of("target", "it-cluster").toAbsolutePath();
        cluster = StandaloneCluster.start(dir, 2, 2);
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty("spark.driver.host");
        System.clearProperty("spark.driver.bindAddress");
        if (cluster != null) {
            cluster.close();
            assertEquals(List.of(), cluster.executorPids(), "no executor JVM left");
        }
    }

    @Test
    @Order(1)
    void trainsExactlyAsLocalModeDoes() throws Exception {
        reference = params(train("local", "local[" + WORKERS + "]", 3, 120, null).dir);
        ResidentWatch watch = new ResidentWatch(cluster);
        Run run = train("clean", cluster.masterUrl(), 3, 120, null);
        cleanResident = watch.stop();
        System.out.printf(Locale.ROOT, "cluster run: %s; executors' peak resident memory %d MiB%n", run.lastLine(),
                cleanResident >> 20);
        assertArrayEquals(reference, params(run.dir), "parameters after training on the cluster, bit for bit");
    }

    @Test
    @Order(2)
    void recoversFromAKilledExecutorToTheSameParameters() throws Exception {
        AtomicLong killedAt = new AtomicLong();
        Run run = train("killed", cluster.masterUrl(), 3, 120, step -> {
            if (step == KILL_AT_STEP && killedAt.get() == 0) {
                killedAt.set(System.nanoTime());
                try {
                    System.out.println("killed " + cluster.signalExecutor("KILL"));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        String out = run.out();
        Matcher resumed = Pattern.compile("training resumed ([0-9.]+) s after the stage failed").matcher(out);
        assertAll("recovery",
                () -> assertTrue(killedAt.get() > 0, "an executor was killed"),
                () -> assertTrue(out.contains("stage of steps 17-32 of epoch 1/1 failed (attempt 1 of 3): "
                        + "ExecutorLostFailure"), out),
                () -> assertTrue(resumed.find(), out),
                () -> assertArrayEquals(reference, params(run.dir), "parameters after the recovery, bit for bit"));
        double killToProgress = (run.progress.firstStepAfterRestart - killedAt.get()) / 1e9;
        System.out.printf(Locale.ROOT, "executor killed at step %d: %s; kill to resumed progress %.1f s%n",
                KILL_AT_STEP, resumed.group(0), killToProgress);
    }

    @Test
    @Order(3)
    void strangersOnTheCollectivePortsChangeNothing() throws Exception {
        int first = freeRange(8);
        Path stopFile = tmp.resolve("stop-hostile");
        Process hostile = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                StandaloneCluster.classpath(), HostileClient.class.getName(), "127.0.0.1", Integer.toString(first),
                Integer.toString(first + 7), Integer.toString(WORKERS), stopFile.toString())
                .redirectErrorStream(true).start();
        System.setProperty("spark.syncbn.collectivePorts", first + "-" + (first + 7));
        ResidentWatch watch = new ResidentWatch(cluster);
        Run run;
        try {
            run = train("hostile", cluster.masterUrl(), 1, 120, null);
        } finally {
            System.clearProperty("spark.syncbn.collectivePorts");
            Files.writeString(stopFile, "stop");
        }
        long resident = watch.stop();
        assertTrue(hostile.waitFor(1, TimeUnit.MINUTES), "the hostile client stops");
        String report = new String(hostile.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        System.out.printf(Locale.ROOT, "hostile client: %s; executors' peak resident memory %d MiB (clean run %d MiB)%n",
                report, resident >> 20, cleanResident >> 20);
        Matcher counts = Pattern.compile("connected random=(\\d+) huge=(\\d+) secret=(\\d+) idle=(\\d+)").matcher(report);
        assertTrue(counts.find(), report);
        assertAll("under attack",
                () -> assertTrue(run.out().contains("test accuracy"), run::out),
                () -> assertArrayEquals(reference, params(run.dir), "parameters under attack, bit for bit"),
                () -> assertTrue(resident <= cleanResident + ATTACK_MEMORY_SLACK, "peak resident memory "
                        + (resident >> 20) + " MiB against " + (cleanResident >> 20) + " MiB without the stranger"));
        for (int g = 1; g <= 4; g++) {
            int n = Integer.parseInt(counts.group(g));
            assertTrue(n > 0, "every attack reached an open collective port at least once: " + report);
        }
    }

    @Test
    @Order(4)
    void aStalledExecutorIsNamedWithinTheDeadlineAndTheStageRunsAgain() throws Exception {
        AtomicLong stoppedAt = new AtomicLong();
        StandaloneCluster.Executor[] stopped = new StandaloneCluster.Executor[1];
        // Spark declares a silent executor lost after spark.network.timeout (120 s by default); shorter here.
        Map<String, String> spark = Map.of("spark.network.timeout", LOST_AFTER_SECONDS + "s",
                "spark.executor.heartbeatInterval", "2s", "spark.network.timeoutInterval", "2s");
        spark.forEach(System::setProperty);
        Run run;
        try {
            run = train("stalled", cluster.masterUrl(), 3, DEADLINE_SECONDS, step -> {
                if (step == KILL_AT_STEP && stoppedAt.get() == 0) {
                    stoppedAt.set(System.nanoTime());
                    try {
                        stopped[0] = cluster.signalExecutor("STOP");
                    } catch (IOException | InterruptedException x) {
                        throw new IllegalStateException(x);
                    }
                }
            });
        } finally {
            spark.keySet().forEach(System::clearProperty);
            if (stopped[0] != null) {
                signal(stopped[0].pid(), "CONT");
            }
        }
        String out = run.out();
        double failedAfter = (run.progress.restartedAt - stoppedAt.get()) / 1e9;
        double resumedAfter = (run.progress.firstStepAfterRestart - stoppedAt.get()) / 1e9;
        System.out.printf(Locale.ROOT, "stalled executor %s: the stage failed %.1f s after SIGSTOP (deadline %d s), "
                + "training resumed %.1f s after SIGSTOP%n", stopped[0].id(), failedAfter, DEADLINE_SECONDS, resumedAfter);
        assertAll("a named stall, then a retry",
                () -> assertTrue(Pattern.compile("stage of steps 17-32 of epoch 1/1 failed \\(attempt 1 of 3\\): .*"
                        + "these ranks never arrived: rank \\d \\(executor " + Pattern.quote(stopped[0].id())
                        + ", 127\\.0\\.0\\.1:\\d+\\)").matcher(out).find(), out),
                () -> assertTrue(failedAfter < DEADLINE_SECONDS + 5, "the stage failed " + failedAfter + " s after "
                        + "SIGSTOP, with a deadline of " + DEADLINE_SECONDS + " s"),
                () -> assertArrayEquals(reference, params(run.dir), "parameters after the retry, bit for bit"));
    }

    private record Run(Path dir, ByteArrayOutputStream bytes, StepProgress progress) {
        String out() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        String lastLine() {
            List<String> lines = out().lines().toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    private static Run train(String name, String master, int attempts, int deadlineSeconds, IntConsumer onStep)
            throws IOException {
        Map<String, String> values = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        values.put(TrainConfig.MASTER, master);
        values.put(TrainConfig.WORKERS, Integer.toString(WORKERS));
        values.put(TrainConfig.PER_WORKER_BATCH, "4");
        values.put(TrainConfig.EPOCHS, "1");
        values.put(TrainConfig.DATA, "synthetic?train=" + STEPS * WORKERS * 4 + "&test=64");
        values.put(TrainConfig.CHECKPOINT_EVERY, "16");
        values.put(TrainConfig.SEED, "11");
        values.put(TrainConfig.COLLECTIVE_TIMEOUT, Integer.toString(deadlineSeconds));
        values.put(TrainConfig.MAX_STAGE_ATTEMPTS, Integer.toString(attempts));
        TrainConfig config = TrainConfig.fromMap(values);
        Path dir = tmp.resolve(name);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StepProgress progress = new StepProgress(onStep);
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            new TrainingRun(config, new RunDirectory(dir), false, out, progress).run();
        } finally {
            System.out.println("--- " + name + " ---\n" + bytes.toString(StandardCharsets.UTF_8));
        }
        assertFalse(progress.steps == 0, "live progress reached the driver");
        return new Run(dir, bytes, progress);
    }

    private static long[] params(Path dir) throws IOException {
        return ExactBits.of(ModelSerializer.restoreMultiLayerNetwork(dir.resolve(RunDirectory.MODEL).toFile(), true)
                .params());
    }

    /** The first of {@code n} consecutive ports that are free now. */
    private static int freeRange(int n) throws IOException {
        for (int base = 42_000 + (int) (ProcessHandle.current().pid() % 1000) * 8; base < 60_000; base += n) {
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                try (java.net.ServerSocket s = new java.net.ServerSocket(p, 1,
                        java.net.InetAddress.getLoopbackAddress())) {
                    free = s.isBound();
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no " + n + " consecutive free ports in 42000-60000");
    }

    private static void signal(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counts live steps, calls a hook with each count, and notes when the display restarts (a stage retry). */
    private static final class StepProgress implements TrainingProgress {
        private final IntConsumer onStep;
        private int steps;
        private boolean restarted;
        private long restartedAt;
        private long firstStepAfterRestart;

        StepProgress(IntConsumer onStep) {
            this.onStep = onStep;
        }

        @Override
        public synchronized void startEpoch(int epoch, int epochs, int total, int done) {
            restarted = steps > done;
            if (restarted && restartedAt == 0) {
                restartedAt = System.nanoTime();
            }
            steps = done;
        }

        @Override
        public void step(StepMetrics metrics) {
            int now;
            synchronized (this) {
                now = ++steps;
                if (restarted && firstStepAfterRestart == 0) {
                    firstStepAfterRestart = System.nanoTime();
                }
            }
            if (onStep != null) {
                onStep.accept(now);
            }
        }

        @Override
        public void endEpoch() {
        }

        @Override
        public void close() {
        }
    }

    /** Samples the executors' resident memory every 100 ms and keeps the peak of their sum. */
    private static final class ResidentWatch {
        private final Thread thread;
        private volatile boolean running = true;
        private long peak;

        ResidentWatch(StandaloneCluster cluster) {
            thread = new Thread(() -> {
                while (running) {
                    try {
                        long sum = 0;
                        for (long pid : cluster.executorPids()) {
                            sum += StandaloneCluster.residentBytes(pid);
                        }
                        synchronized (this) {
                            peak = Math.max(peak, sum);
                        }
                        Thread.sleep(100);
                    } catch (IOException e) {
                        // a process went away while we looked
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "resident-watch");
            thread.setDaemon(true);
            thread.start();
        }

        long stop() throws InterruptedException {
            running = false;
            thread.join();
            synchronized (this) {
                return peak;
            }
        }
    }
}
