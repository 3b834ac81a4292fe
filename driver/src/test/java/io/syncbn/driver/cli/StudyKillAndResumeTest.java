package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.study.CellResult;
import io.syncbn.driver.study.StudyCsv;
import io.syncbn.driver.study.StudyRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study killed ({@code SIGKILL} of a child JVM running {@code syncbn study}) after its second cell
 * finished resumes when run again with the same {@code --out}: the finished cells are kept (not
 * trained again), and the study ends with the rows of the same study left uninterrupted — every
 * measured value equal, only the times differ. Then a run of the finished study with other shared
 * settings is refused and changes nothing. Job: synthetic images, 64 training examples, global batch
 * 4, per-worker batches 1, 2 and 4 (the reference), local and sync BN, one seed: 5 cells.
 */
@Tag("integration")
class StudyKillAndResumeTest {

    private static final String[] JOB = {"--data", "synthetic?train=64&test=32", "--train-subset", "0",
        "--global-batch", "4", "--per-worker-batch", "1,2,4", "--bn", "local,sync", "--seeds", "5", "--epochs", "1",
        "--diagnostics-every", "3"};
    private static final Duration CHILD_DEADLINE = Duration.ofMinutes(4);

    @TempDir
    Path tmp;

    @Test
    void aKilledStudyResumesWithItsFinishedCells() throws Exception {
        Path whole = tmp.resolve("whole");
        Path killed = tmp.resolve("killed");
        Cli uninterrupted = Cli.run(study(whole));
        assertEquals(0, uninterrupted.status(), uninterrupted::toString);
        List<CellResult> expected = StudyCsv.read(whole.resolve(StudyRunner.CSV));
        assertEquals(5, expected.size(), "cells of the uninterrupted study");

        List<CellResult> atKill = killAfterCells(killed, 2);
        List<String> finishedBefore = atKill.stream().map(r -> r.cell().id()).toList();

        Cli resumed = Cli.run(study(killed));
        assertEquals(0, resumed.status(), resumed::toString);
        List<CellResult> after = StudyCsv.read(killed.resolve(StudyRunner.CSV));
        assertAll("resumed against uninterrupted",
                () -> assertTrue(atKill.size() >= 2 && atKill.size() < 5, "killed after 2 cells, at " + finishedBefore),
                () -> finishedBefore.forEach(id -> assertTrue(resumed.out().contains(id + " (")
                        && resumed.out().contains(": finished earlier (study.csv)"), resumed::toString)),
                () -> assertEquals(5, after.size(), "every cell once"),
                () -> assertEquals(withoutTimes(expected), withoutTimes(after), "the same measurements"),
                () -> assertTrue(Files.exists(killed.resolve("report.html")), "report written"));

        Path settings = whole.resolve(StudyRunner.SETTINGS);
        String before = Files.readString(whole.resolve(StudyRunner.CSV));
        List<String> otherEpochs = new ArrayList<>(List.of(study(whole)));
        otherEpochs.set(otherEpochs.indexOf("--epochs") + 1, "2");
        Cli refused = Cli.run(otherEpochs.toArray(String[]::new));
        assertAll("resuming with other shared settings",
                () -> assertEquals(Main.USAGE, refused.status(), refused::toString),
                () -> assertTrue(refused.err().contains("the study in " + whole + " was run with epochs = \"1\", but "
                        + "this study asks for \"2\""), refused::toString),
                () -> assertEquals(before, Files.readString(whole.resolve(StudyRunner.CSV)), "study.csv unchanged"),
                () -> assertTrue(Files.exists(settings)));
    }

    private static String[] study(Path dir) {
        return Stream.concat(Stream.of("study", "--out", dir.toString()), Stream.of(JOB)).toArray(String[]::new);
    }

    /** Every measured value of every row, in order, without the wall times. */
    private static List<String> withoutTimes(List<CellResult> rows) {
        return rows.stream().map(r -> String.join(" ", r.cell().id(), Integer.toString(r.workers()),
                Boolean.toString(r.reference()), Double.toString(r.testAccuracyRunning()),
                Double.toString(r.testAccuracyBatch()), Double.toString(r.testLoss()),
                Double.toString(r.finalTrainLoss()), r.layers().toString(), Arrays.toString(r.divergenceMean()),
                Arrays.toString(r.divergenceLogVar()), Arrays.toString(r.runningGapMean()),
                Arrays.toString(r.runningGapLogVar()))).toList();
    }

    /** Runs the study in a child JVM and kills it once {@code cells} rows are in study.csv. */
    private List<CellResult> killAfterCells(Path dir, int cells) throws IOException, InterruptedException {
        Path log = tmp.resolve("child.log");
        Process child = ChildJvm.start(List.of(study(dir)), log);
        long deadline = System.nanoTime() + CHILD_DEADLINE.toNanos();
        Path csv = dir.resolve(StudyRunner.CSV);
        try {
            while (rows(csv) < cells) {
                if (!child.isAlive()) {
                    throw new AssertionError("the child study ended (exit " + child.exitValue() + ") before " + cells
                            + " cells finished:\n" + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not " + cells + " cells after " + CHILD_DEADLINE + ":\n"
                            + Files.readString(log));
                }
                Thread.sleep(20);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(1, TimeUnit.MINUTES);
        }
        assertNotEquals(0, child.exitValue(), "the child was killed, not finished");
        assertFalse(Files.exists(dir.resolve("report.html")), "a killed study has no report yet");
        return StudyCsv.read(csv);
    }

    private static int rows(Path csv) {
        try {
            return Files.exists(csv) ? StudyCsv.read(csv).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
