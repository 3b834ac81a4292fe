package io.syncbn.driver.run;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.syncbn.driver.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run directory holds decides what may happen there: a new run needs an absent or empty
 * directory, a resumed one an unfinished run; each refusal names the directory and the fix.
 */
class RunDirectoryTest {

    @Test
    void statesFollowTheFilesPresent(@TempDir Path tmp) throws IOException {
        RunDirectory absent = new RunDirectory(tmp.resolve("absent"));
        RunDirectory empty = new RunDirectory(Files.createDirectory(tmp.resolve("empty")));
        RunDirectory unfinished = new RunDirectory(tmp.resolve("unfinished"));
        unfinished.create(TrainConfig.defaults());
        RunDirectory finished = new RunDirectory(tmp.resolve("finished"));
        finished.create(TrainConfig.defaults());
        Files.writeString(finished.file(RunDirectory.SUMMARY), "{}");
        RunDirectory foreign = new RunDirectory(Files.createDirectory(tmp.resolve("foreign")));
        Files.writeString(foreign.file("notes.txt"), "mine");
        assertAll(
                () -> assertEquals(RunDirectory.State.NEW, absent.state(), "absent"),
                () -> assertEquals(RunDirectory.State.NEW, empty.state(), "empty"),
                () -> assertEquals(RunDirectory.State.UNFINISHED, unfinished.state(), "config, no summary"),
                () -> assertEquals(RunDirectory.State.FINISHED, finished.state(), "summary"),
                () -> assertEquals(RunDirectory.State.FOREIGN, foreign.state(), "other files"));
    }

    @Test
    void refusalsNameTheDirectoryAndTheFix(@TempDir Path tmp) throws IOException {
        RunDirectory unfinished = new RunDirectory(tmp.resolve("u"));
        unfinished.create(TrainConfig.defaults());
        RunDirectory finished = new RunDirectory(tmp.resolve("f"));
        finished.create(TrainConfig.defaults());
        Files.writeString(finished.file(RunDirectory.SUMMARY), "{}");
        RunDirectory foreign = new RunDirectory(Files.createDirectory(tmp.resolve("x")));
        Files.writeString(foreign.file("notes.txt"), "mine");
        RunDirectory absent = new RunDirectory(tmp.resolve("a"));
        assertAll(
                () -> assertEquals("--out " + finished + " holds a finished run (summary.json); choose a new directory "
                        + "for --out, or delete " + finished + " to train again there",
                        assertThrows(RunRefusedException.class, finished::requireNew).getMessage()),
                () -> assertEquals("--out " + unfinished + " holds an unfinished run; continue it with --out "
                        + unfinished + " --resume, or choose a new directory for --out",
                        assertThrows(RunRefusedException.class, unfinished::requireNew).getMessage()),
                () -> assertEquals("--out " + foreign + " is a directory that is not empty and holds no syncbn run; "
                        + "choose a new or empty directory for --out",
                        assertThrows(RunRefusedException.class, foreign::requireNew).getMessage()),
                () -> assertEquals("--resume: " + finished + " holds a finished run (summary.json); there is nothing "
                        + "to continue", assertThrows(RunRefusedException.class, finished::requireResumable).getMessage()),
                () -> assertEquals("--resume: " + absent + " holds no syncbn run to continue (no config.properties); "
                        + "to start one, leave out --resume",
                        assertThrows(RunRefusedException.class, absent::requireResumable).getMessage()),
                () -> assertDoesNotThrow(unfinished::requireResumable, "unfinished runs resume"),
                () -> assertDoesNotThrow(absent::requireNew, "absent directories start runs"));
    }

    @Test
    void storesTheConfigurationItWasStartedWith(@TempDir Path tmp) throws IOException {
        TrainConfig config = TrainConfig.defaults().withOut(tmp.resolve("r").toString());
        RunDirectory run = new RunDirectory(tmp.resolve("r"));
        run.create(config);
        assertEquals(config, run.storedConfig());
    }

    @Test
    void timestampedNamesDoNotCollide(@TempDir Path tmp) throws IOException {
        LocalDateTime t = LocalDateTime.of(2025, 1, 2, 3, 4, 5);
        RunDirectory first = RunDirectory.timestamped(tmp, t);
        Files.createDirectory(first.path());
        RunDirectory second = RunDirectory.timestamped(tmp, t);
        assertAll(
                () -> assertEquals(tmp.resolve("20250102-030405"), first.path()),
                () -> assertEquals(tmp.resolve("20250102-030405-2"), second.path()));
    }
}
