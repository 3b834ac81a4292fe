package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.data.IdxFiles;
import io.syncbn.driver.models.ModelSpec;
import io.syncbn.driver.models.Models;
import io.syncbn.driver.run.Checkpoint;
import io.syncbn.driver.run.Checkpoints;
import io.syncbn.driver.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile or damaged input to {@code syncbn train}, through the real command line: each is refused
 * with exit status 2 and one message naming the value, the rule and the fix, before anything is
 * written and before Spark starts.
 *
 * <p>Cases, by the list of issue 10 (the ones not here are in {@link TrainRefusalsTest}: an unknown
 * configuration key, more workers than the master runs at once, a global batch larger than the data):
 * <ul>
 * <li>NaN features in a CSV table (IDX cannot hold them; an in-memory source is checked in
 *     {@code DataSourceTest});
 * <li>labels outside the class range: a CSV label {@code >= classes}, a negative one, an IDX label
 *     above the declared classes;
 * <li>a feature shape the model cannot take: a CSV table of 4 features for {@code fmnist-cnn};
 * <li>damaged files: a truncated {@code .gz} IDX file, a wrong IDX magic number, a ragged CSV row,
 *     and a checkpoint cut in half when {@code --resume} reads it (the run directory is left exactly
 *     as it was: the checkpoint, the metrics, no summary);
 * <li>a run directory that cannot be written: under a regular file (for everyone), and in or under a
 *     read-only directory (only where permissions bite, i.e. not as root).
 * </ul>
 */
class BadInputTest {

    /** Flags of every case: a global batch of 4, so that the small tables here are large enough. */
    private static final List<String> SMALL_JOB = List.of("--workers", "2", "--per-worker-batch", "2");

    @TempDir
    Path tmp;

    /**
     * Data that is refused when it is opened.
     *
     * @param flags the flags after {@code train --out DIR} and {@link #SMALL_JOB}
     * @param start the expected standard error starts with this
     * @param end and ends with this (empty: {@code start} is the whole message)
     */
    record Refusal(List<String> flags, String start, String end) {
        static Refusal exactly(String data, String message) {
            return new Refusal(List.of("--data", data), message, "");
        }
    }

    /** Writes a case's files into a directory and says how the command line must refuse them. */
    @FunctionalInterface
    interface Fixture {
        Refusal write(Path dir) throws IOException;
    }

    static Stream<Arguments> dataRefusals() {
        return Stream.of(
                Arguments.of("NaN feature in a CSV table", (Fixture) dir -> {
                    Path csv = csv(dir, "a,b,y", "1,2,0", "3,NaN,1");
                    return Refusal.exactly("csv:" + csv, csv + " line 3, column 2: NaN is not allowed: features must "
                            + "be finite numbers; replace the value (e.g. impute a missing one) or remove line 3");
                }),
                Arguments.of("CSV label >= classes", (Fixture) dir -> {
                    Path csv = csv(dir, "1,2,0", "3,4,1", "5,6,3");
                    return Refusal.exactly("csv:" + csv + "?classes=3", csv + " line 3, column 3 (label): label 3 is "
                            + "out of range [0, 3) set by classes=3; correct the label, or give classes=4 or more in "
                            + "the data spec");
                }),
                Arguments.of("negative CSV label", (Fixture) dir -> {
                    Path csv = csv(dir, "1,2,0", "3,4,-1");
                    return Refusal.exactly("csv:" + csv, csv + " line 2, column 3 (label): -1 is not a class label: "
                            + "labels must be integers 0, 1, 2, ...; number the classes from 0, or name the label "
                            + "column with ?label=N");
                }),
                Arguments.of("IDX label above the declared classes", (Fixture) dir -> {
                    IdxFiles.writeSet(dir, 8, 4, 4, 4, false);
                    return Refusal.exactly("idx:" + dir + "?classes=3", dir.resolve("train-labels-idx1-ubyte")
                            + ": label 3 of record 3 (byte offset 11) is out of range [0, 3); for a set with more "
                            + "classes add ?classes=N to the data spec");
                }),
                Arguments.of("CSV of 4 features for fmnist-cnn", (Fixture) dir -> {
                    Path csv = csv(dir, table(20));
                    return new Refusal(List.of("--data", "csv:" + csv, "--model", "fmnist-cnn"), "model fmnist-cnn "
                            + "needs an input shape [channels, height, width] (3 dimensions), but got [4] (the "
                            + "examples of csv:" + csv + "); use --model mlp, or data whose examples fmnist-cnn takes",
                            "");
                }),
                Arguments.of("truncated .gz IDX file", (Fixture) dir -> {
                    IdxFiles.writeSet(dir, 64, 4, 8, 8, true);
                    Path images = dir.resolve("train-images-idx3-ubyte.gz");
                    byte[] whole = Files.readAllBytes(images);
                    Files.write(images, IdxFiles.cut(whole, whole.length / 2));
                    return new Refusal(List.of("--data", "idx:" + dir), images + ": damaged or truncated gzip data "
                            + "after ", "; replace it with an intact copy (gzip -t checks one)");
                }),
                Arguments.of("wrong IDX magic number", (Fixture) dir -> {
                    IdxFiles.writeSet(dir, 8, 4, 4, 4, false);
                    Path images = IdxFiles.write(dir.resolve("train-images-idx3-ubyte"), IdxFiles.idx(0x12345678,
                            new int[] {8, 4, 4}, IdxFiles.pixels(8, 4, 4)), false);
                    return Refusal.exactly("idx:" + dir, images + ": wrong magic number 0x12345678 at byte offset 0: "
                            + "IDX image files start with 0x00000803; the file is damaged or not an IDX image file: "
                            + "replace it with an intact copy");
                }),
                Arguments.of("ragged CSV row", (Fixture) dir -> {
                    Path csv = csv(dir, "a,b,y", "1,2,0", "3,4,1", "5,1");
                    return Refusal.exactly("csv:" + csv, csv + " line 4: expected 3 columns (as on line 1), but got "
                            + "2; every row needs the same columns: complete or remove line 4 (quoted fields are not "
                            + "supported)");
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dataRefusals")
    void refusesBadDataBeforeWritingAnything(String name, Fixture fixture) throws IOException {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Refusal refusal = fixture.write(data);
        Path out = tmp.resolve("run");
        List<String> args = new ArrayList<>(List.of("train", "--out", out.toString()));
        args.addAll(SMALL_JOB);
        args.addAll(refusal.flags());
        Cli cli = Cli.run(args.toArray(String[]::new));
        String err = cli.err().strip();
        String prefix = "syncbn train: ";
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> {
                    if (refusal.end().isEmpty()) {
                        assertEquals(prefix + refusal.start(), err, "standard error");
                    } else {
                        assertTrue(err.startsWith(prefix + refusal.start()) && err.endsWith(refusal.end())
                                && !err.contains("\n"), "one line from \"" + refusal.start() + "\" to \""
                                + refusal.end() + "\", but got: " + err);
                    }
                },
                () -> assertEquals("", cli.out(), "nothing printed on standard output (no training started)"),
                () -> assertFalse(Files.exists(out), "no run directory"));
    }

    @Test
    void refusesACheckpointCutInHalfAndLeavesTheRunDirectoryAsItWas() throws IOException {
        RunDirectory run = new RunDirectory(tmp.resolve("unfinished"));
        Map<String, String> config = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        config.putAll(Map.of(TrainConfig.DATA, "synthetic?train=64&test=16", TrainConfig.MODEL, "mlp",
                TrainConfig.WORKERS, "2", TrainConfig.PER_WORKER_BATCH, "2", TrainConfig.OUT, run.toString()));
        run.create(TrainConfig.fromMap(config));
        Path metrics = Files.writeString(run.file(RunDirectory.METRICS), "{\"epoch\":1,\"step\":1}\n");
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list("mlp", ModelSpec.of(List.of(1, 28, 28), 10)));
        net.init();
        Path checkpoint = run.file(RunDirectory.CHECKPOINT);
        Checkpoints.write(checkpoint, net, new Checkpoint(0, 1, Files.size(metrics), 1.5, 2.5));
        byte[] whole = Files.readAllBytes(checkpoint);
        byte[] half = Arrays.copyOf(whole, whole.length / 2);
        Files.write(checkpoint, half);
        List<Path> before = listing(run.path());

        Cli cli = Cli.run("train", "--out", run.toString(), "--resume");

        String err = cli.err().strip();
        String start = "syncbn train: --resume: cannot read the checkpoint " + checkpoint + ": ";
        String end = "; the run cannot continue from a damaged, cut or replaced checkpoint. To train the run again "
                + "from the beginning in the same directory, delete " + checkpoint + " and run the same command; or "
                + "start a new run with another --out";
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertTrue(err.startsWith(start) && err.endsWith(end) && !err.contains("\n"),
                        "one line from \"" + start + "\" to \"" + end + "\", but got: " + err),
                () -> assertArrayEquals(half, Files.readAllBytes(checkpoint), "the checkpoint is untouched"),
                () -> assertEquals("{\"epoch\":1,\"step\":1}\n", Files.readString(metrics), "the metrics are untouched"),
                () -> assertEquals(before, listing(run.path()), "no file added or removed (no summary.json)"));
    }

    @Test
    void refusesARunDirectoryUnderARegularFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "a file, not a directory\n");
        Path out = file.resolve("run");
        Cli cli = Cli.run(args(out));
        assertAll(
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertEquals("syncbn train: --out " + out + " cannot be created: " + file + " is a file, not a "
                        + "directory; choose an --out outside " + file, cli.err().strip()),
                () -> assertEquals("", cli.out(), "no training started"),
                () -> assertEquals("a file, not a directory\n", Files.readString(file), "the file is untouched"));
    }

    /**
     * A read-only parent (new run) and a read-only run directory (resumed run). Root may write
     * anywhere, so there this test cannot fail and is skipped; {@link
     * #refusesARunDirectoryUnderARegularFile} covers the refusal for everyone.
     */
    @Test
    void refusesReadOnlyDirectories() throws IOException {
        Path parent = Files.createDirectory(tmp.resolve("read-only"));
        RunDirectory unfinished = new RunDirectory(tmp.resolve("unfinished"));
        Map<String, String> config = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        config.putAll(Map.of(TrainConfig.DATA, "synthetic?train=64&test=16", TrainConfig.MODEL, "mlp",
                TrainConfig.WORKERS, "2", TrainConfig.PER_WORKER_BATCH, "2", TrainConfig.OUT, unfinished.toString()));
        unfinished.create(TrainConfig.fromMap(config));
        List<Path> before = listing(unfinished.path());
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(unfinished.path(), PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(parent), "permissions do not bite for this user (root): a read-only "
                    + "directory is writable here, so refusesARunDirectoryUnderARegularFile covers the refusal");
            Path out = parent.resolve("run");
            Cli fresh = Cli.run(args(out));
            Cli resumed = Cli.run("train", "--out", unfinished.toString(), "--resume");
            assertAll(
                    () -> assertEquals(Main.USAGE, fresh.status(), fresh::toString),
                    () -> assertEquals("syncbn train: --out " + out + " cannot be created: " + parent + " is not "
                            + "writable; choose a writable place for --out, or make " + parent + " writable (chmod u+w "
                            + parent + ")", fresh.err().strip()),
                    () -> assertFalse(Files.exists(out), "no run directory"),
                    () -> assertEquals(Main.USAGE, resumed.status(), resumed::toString),
                    () -> assertEquals("syncbn train: --out " + unfinished + " is not writable, but a run writes its "
                            + "files there; choose a writable place for --out, or make " + unfinished + " writable "
                            + "(chmod u+w " + unfinished + ")", resumed.err().strip()),
                    () -> assertEquals(before, listing(unfinished.path()), "the unfinished run is untouched"));
        } finally {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(unfinished.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** {@code train --out OUT} with valid small data, so that only the directory can be refused. */
    private static String[] args(Path out) {
        List<String> args = new ArrayList<>(List.of("train", "--out", out.toString(), "--data",
                "synthetic?train=64&test=16", "--model", "mlp"));
        args.addAll(SMALL_JOB);
        return args.toArray(String[]::new);
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static Path csv(Path dir, String... lines) throws IOException {
        return Files.write(dir.resolve("table.csv"), List.of(lines));
    }

    /** {@code rows} rows of 4 features and a label in {@code 0 .. 2}. */
    private static String[] table(int rows) {
        String[] lines = new String[rows];
        for (int i = 0; i < rows; i++) {
            lines[i] = i + "," + (i * 0.5) + "," + (i % 7) + "," + (-i) + "," + (i % 3);
        }
        return lines;
    }
}
