package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.run.RunDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code syncbn train} refuses bad input before it writes anything or starts Spark: exit status 2, one
 * line on standard error naming the value, the rule and the fix, and no run directory.
 *
 * <p>Cases: an unknown flag; invalid values from flags and from a {@code --conf} file; data that does
 * not exist; a training set smaller than one global batch; a model that cannot take the data's shape;
 * {@code --resume} without {@code --out}; {@code --out} at a finished run, at an unfinished run
 * without {@code --resume}; a resumed run asked to change its configuration; more workers than the
 * Spark master has task slots (this one starts Spark, so it is tagged integration). Damaged or
 * hostile data, a damaged checkpoint and an unwritable run directory: {@link BadInputTest}.
 */
class TrainRefusalsTest {

    private static final String SMALL = "synthetic?train=64&test=16";

    @TempDir
    Path tmp;

    @Test
    void everyConfigurationKeyIsAFlag() {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        CommandLine train = Main.commandLine(sink, sink).getSubcommands().get("train");
        assertAll(TrainConfig.KEYS.stream().map(key -> () -> assertNotNull(
                train.getCommandSpec().findOption("--" + key), "flag --" + key)));
    }

    /** Arguments after {@code train --out DIR}; the expected standard error. */
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(new String[] {"--workers", "0"},
                        "syncbn train: workers must be an integer >= 1, but got 0 (from --workers)"),
                Arguments.of(new String[] {"--bn", "global"},
                        "syncbn train: bn must be sync, local or group:K with an integer K >= 1, but got \"global\" (from --bn)"),
                Arguments.of(new String[] {"--master", "local[2]"},
                        "syncbn train: master local[2] runs at most 2 tasks at once, but training needs all 8 workers "
                                + "at once; use local[8] or at most 2 workers (from --master)"),
                Arguments.of(new String[] {"--data", "idx:/nonexistent/fmnist"},
                        "syncbn train: idx:/nonexistent/fmnist: directory /nonexistent/fmnist does not exist"),
                Arguments.of(new String[] {"--data", "synthetic?train=20", "--workers", "8"},
                        "syncbn train: synthetic?train=20: the training set has 20 examples, fewer than one global "
                                + "batch of 32; use a smaller global batch or more data"),
                Arguments.of(new String[] {"--model", "cnn3d", "--data", SMALL, "--workers", "2"},
                        "syncbn train: model cnn3d needs an input shape [channels, depth, height, width] (4 "
                                + "dimensions), but got [1, 28, 28] (the examples of synthetic?train=64&test=16); use "
                                + "--model fmnist-cnn or --model mlp, or data whose examples cnn3d takes"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusals")
    void refusesBadInputAndWritesNothing(String[] flags, String message) {
        Path out = tmp.resolve("run");
        String[] args = Stream.concat(Stream.of("train", "--out", out.toString()), Stream.of(flags))
                .toArray(String[]::new);
        Cli cli = Cli.run(args);
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertEquals(message, cli.err().strip(), "standard error"),
                () -> assertFalse(Files.exists(out), "no run directory"));
    }

    @Test
    void refusesAnUnknownFlagSuggestingTheKnownOne() {
        Cli cli = Cli.run("train", "--worker", "4");
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertTrue(cli.err().startsWith("Unknown options: '--worker', '4'"), cli::toString),
                () -> assertTrue(cli.err().contains("--workers"), "suggests --workers: " + cli));
    }

    @Test
    void refusesAConfFileWithAnUnknownKey() throws IOException {
        Path conf = Files.writeString(tmp.resolve("job.properties"), "workers=2\nbatch=4\n");
        Path out = tmp.resolve("run");
        Cli cli = Cli.run("train", "--conf", conf.toString(), "--out", out.toString());
        assertAll(
                () -> assertFalse(Files.exists(out), "no run directory"),
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertEquals("syncbn train: " + conf + ": unknown key \"batch\"; allowed keys: workers, "
                        + "per-worker-batch, epochs, lr, bn, model, data, master, seed, dtype, out, checkpoint-every, diagnostics-every, precise-bn, bn-virtual-batch, collective-timeout, max-stage-attempts, bn-renorm, optimizer, momentum, weight-decay, warmup-steps, lr-scaling, base-batch, lr-schedule",
                        cli.err().strip()));
    }

    @Test
    @Tag("integration")
    void refusesMoreWorkersThanTheMasterHasSlotsBeforeWritingAnything() {
        int cores = Runtime.getRuntime().availableProcessors();
        int workers = cores + 1;
        Path out = tmp.resolve("run");
        Cli cli = Cli.run("train", "--master", "local[*]", "--workers", Integer.toString(workers), "--data", SMALL,
                "--out", out.toString());
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertEquals("syncbn train: training needs all " + workers + " workers running at once, but the "
                        + "cluster offers " + cores + " task slots (master local[*], spark.task.cpus 1); give the job at "
                        + "least " + workers + " executor cores (e.g. spark-submit --total-executor-cores " + workers
                        + ", or --num-executors x --executor-cores >= " + workers + "; local[" + workers + "] in one "
                        + "process), or use --workers " + cores, cli.err().strip()),
                () -> assertFalse(Files.exists(out), "no run directory"));
    }

    @Test
    void resumeNeedsTheRunDirectory() {
        Cli cli = Cli.run("train", "--resume");
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertEquals("syncbn train: --resume needs --out DIR, the directory of the run to continue",
                        cli.err().strip()));
    }

    @Test
    void refusesToOverwriteAFinishedRun() throws IOException {
        RunDirectory finished = new RunDirectory(tmp.resolve("finished"));
        finished.create(TrainConfig.defaults());
        Files.writeString(finished.file(RunDirectory.SUMMARY), "{}");
        Cli cli = Cli.run("train", "--data", SMALL, "--workers", "2", "--out", finished.toString());
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertEquals("syncbn train: --out " + finished + " holds a finished run (summary.json); choose a "
                        + "new directory for --out, or delete " + finished + " to train again there", cli.err().strip()),
                () -> assertEquals("{}", Files.readString(finished.file(RunDirectory.SUMMARY)), "summary untouched"));
    }

    @Test
    void refusesToChangeTheConfigurationOfAResumedRun() throws IOException {
        RunDirectory unfinished = new RunDirectory(tmp.resolve("unfinished"));
        unfinished.create(TrainConfig.defaults().withOut(unfinished.toString()));
        Cli cli = Cli.run("train", "--out", unfinished.toString(), "--resume", "--epochs", "3");
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertEquals("syncbn train: --resume continues the run in " + unfinished + " with its stored "
                        + "configuration (config.properties), where epochs is \"1\"; --epochs asks for \"3\". Leave "
                        + "it out to continue the run, or start a new run with another --out", cli.err().strip()));
    }
}
