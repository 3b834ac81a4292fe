package io.syncbn.bench;

import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.progress.TrainingProgress;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.run.TrainingRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code scripts/soak MINUTES}: trains the same job again and again on a standalone cluster (started
 * by the script) while an executor JVM is killed at random every 60 to 150 s, until MINUTES have
 * passed. Reports runs finished and failed, stage recoveries with their times, and this driver's
 * threads, open file descriptors and sockets after every run against their level after the first run,
 * since a driver that runs for weeks must give back what each run took. Last line: {@code RESULT
 * runs=<n> failed=<f> recoveries=<r> kills=<k> threads=<base>-><end> fds=<base>-><end>
 * sockets=<base>-><end>}.
 */
public final class Soak {

    private static final Pattern RESUMED = Pattern.compile("training resumed ([0-9.]+) s after the stage failed");
    private static final int WORKERS = 4;

    private Soak() {
    }

    /** Arguments: MINUTES MASTER_URL CLUSTER_DIR CLUSTER_SCRIPT. */
    public static void main(String[] args) throws Exception {
        Duration length = Duration.ofMinutes(Long.parseLong(args[0]));
        String master = args[1];
        Path clusterDir = Path.of(args[2]);
        Path script = Path.of(args[3]);
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        Path work = Files.createTempDirectory("syncbn-soak");
        long end = System.nanoTime() + length.toNanos();
        AtomicInteger kills = new AtomicInteger();
        Thread killer = new Thread(() -> killAtRandom(script, clusterDir, end, kills), "soak-killer");
        killer.setDaemon(true);
        killer.start();

        int runs = 0;
        int failed = 0;
        List<Double> recoveries = new ArrayList<>();
        Resources baseline = null;
        Resources last = null;
        while (System.nanoTime() < end) {
            runs++;
            Path dir = work.resolve("run-" + runs);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            long start = System.nanoTime();
            String outcome;
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
                new TrainingRun(config(master), new RunDirectory(dir), false, out, new Quiet()).run();
                outcome = "finished";
            } catch (Exception e) {
                failed++;
                outcome = "FAILED: " + e.getMessage().lines().findFirst().orElse("");
            }
            String text = bytes.toString(StandardCharsets.UTF_8);
            Matcher m = RESUMED.matcher(text);
            List<String> times = new ArrayList<>();
            while (m.find()) {
                recoveries.add(Double.parseDouble(m.group(1)));
                times.add(m.group(1) + " s");
            }
            deleteTree(dir);
            System.gc();
            Thread.sleep(2000);
            last = Resources.now();
            if (baseline == null) {
                baseline = last;
            }
            System.out.printf(Locale.ROOT, "run %d %s in %.0f s; recoveries %s; %s%n", runs, outcome,
                    (System.nanoTime() - start) / 1e9, times, last);
            if (outcome.startsWith("FAILED")) {
                System.out.println(text);
            }
        }
        killer.interrupt();
        recoveries.sort(Comparator.naturalOrder());
        String median = recoveries.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f s",
                recoveries.get(recoveries.size() / 2));
        System.out.printf(Locale.ROOT, "%d runs (%d failed), %d executors killed, %d stage recoveries (median time "
                + "from failure to resumed training %s, all %s); driver after the first run: %s; at the end: %s%n",
                runs, failed, kills.get(), recoveries.size(), median, recoveries, baseline, last);
        System.out.printf(Locale.ROOT, "RESULT runs=%d failed=%d recoveries=%d kills=%d threads=%d->%d fds=%d->%d "
                + "sockets=%d->%d%n", runs, failed, recoveries.size(), kills.get(), baseline.threads(), last.threads(),
                baseline.fds(), last.fds(), baseline.sockets(), last.sockets());
        deleteTree(work);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static TrainConfig config(String master) {
        Map<String, String> values = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        values.put(TrainConfig.MASTER, master);
        values.put(TrainConfig.WORKERS, Integer.toString(WORKERS));
        values.put(TrainConfig.PER_WORKER_BATCH, "4");
        values.put(TrainConfig.EPOCHS, "2");
        values.put(TrainConfig.DATA, "synthetic?train=1024&test=64");
        values.put(TrainConfig.CHECKPOINT_EVERY, "16");
        values.put(TrainConfig.COLLECTIVE_TIMEOUT, "30");
        values.put(TrainConfig.MAX_STAGE_ATTEMPTS, "3");
        return TrainConfig.fromMap(values);
    }

    private static void killAtRandom(Path script, Path clusterDir, long end, AtomicInteger kills) {
        Random random = new Random();
        try {
            while (true) {
                Thread.sleep(TimeUnit.SECONDS.toMillis(60 + random.nextInt(91)));
                if (System.nanoTime() > end) {
                    return;
                }
                Process p = new ProcessBuilder(script.toString(), "kill-executor", "--dir", clusterDir.toString())
                        .redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor() == 0) {
                    kills.incrementAndGet();
                }
                System.out.println("killer: " + said);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            System.out.println("killer stopped: " + e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** What the driver holds: live threads, open file descriptors, and sockets among them. */
    record Resources(int threads, int fds, int sockets) {
        static Resources now() throws IOException {
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
            return new Resources(ManagementFactory.getThreadMXBean().getThreadCount(), fds, sockets);
        }

        @Override
        public String toString() {
            return threads + " threads, " + fds + " fds, " + sockets + " sockets";
        }
    }

    /** No live display: the soak prints one line per run. */
    private static final class Quiet implements TrainingProgress {
        @Override
        public void startEpoch(int epoch, int epochs, int steps, int done) {
        }

        @Override
        public void step(io.syncbn.api.StepMetrics metrics) {
        }

        @Override
        public void endEpoch() {
        }

        @Override
        public void close() {
        }
    }
}
