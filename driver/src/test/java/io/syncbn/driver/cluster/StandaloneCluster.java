package io.syncbn.driver.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster of separate JVMs on this machine, started and stopped with the project's
 * own {@code scripts/cluster} on the test's classpath, so the tests use the script users use.
 */
final class StandaloneCluster implements AutoCloseable {

    private static final Pattern KILLED = Pattern.compile("executor (\\S+) \\(pid (\\d+)\\)");

    private final Path script;
    private final Path dir;
    private final String masterUrl;

    private StandaloneCluster(Path script, Path dir, String masterUrl) {
        this.script = script;
        this.dir = dir;
        this.masterUrl = masterUrl;
    }

    /** An executor that was sent a signal. */
    record Executor(String id, long pid) {
    }

    /** Starts {@code workers} Workers of {@code cores} cores each, on free ports, with files under {@code dir}. */
    static StandaloneCluster start(Path dir, int workers, int cores) throws IOException, InterruptedException {
        Path script = root().resolve("scripts/cluster");
        String out = run(script, List.of("start", "--dir", dir.toString(), "--workers", Integer.toString(workers),
                "--cores", Integer.toString(cores), "--memory", "2g", "--port", Integer.toString(freePort()),
                "--webui-port", Integer.toString(freePort()), "--classpath", classpath()));
        String url = Files.readString(dir.resolve("master-url")).strip();
        System.out.println(out);
        return new StandaloneCluster(script, dir, url);
    }

    String masterUrl() {
        return masterUrl;
    }

    Path dir() {
        return dir;
    }

    /** Sends {@code signal} (KILL, STOP, ...) to one executor JVM chosen at random. */
    Executor signalExecutor(String signal) throws IOException, InterruptedException {
        String out = run(script, List.of("kill-executor", "--dir", dir.toString(), "--signal", signal));
        Matcher m = KILLED.matcher(out);
        if (!m.find()) {
            throw new IOException("scripts/cluster kill-executor said: " + out);
        }
        return new Executor(m.group(1), Long.parseLong(m.group(2)));
    }

    /** The pids of the cluster's executor JVMs now. */
    List<Long> executorPids() throws IOException {
        List<Long> pids = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String cmd;
                try {
                    cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    continue;
                }
                if (cmd.contains(dir.resolve("spark-home").toString()) && cmd.contains("CoarseGrainedExecutorBackend")) {
                    pids.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        return pids;
    }

    /** Resident memory of process {@code pid} in bytes, or 0 if it is gone. */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Stops every process of the cluster; the script fails if one survives. */
    @Override
    public void close() throws IOException, InterruptedException {
        System.out.println(run(script, List.of("stop", "--dir", dir.toString())));
    }

    /** A port that was free a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The checkout's root: the directory above this module that holds {@code scripts/cluster}. */
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("scripts/cluster"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no scripts/cluster above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** This JVM's classpath: the application the cluster's executors run. */
    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
    }

    private static String run(Path script, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish in 2 minutes");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", args.subList(0, 1)) + " failed (exit " + p.exitValue() + "): "
                    + text);
        }
        return text;
    }
}
