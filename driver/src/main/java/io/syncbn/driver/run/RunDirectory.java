package io.syncbn.driver.run;

import io.syncbn.driver.config.ConfigException;
import io.syncbn.driver.config.TrainConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The directory of one training run and the rules for reusing one.
 *
 * <table>
 * <caption>Files</caption>
 * <tr><td>{@value #CONFIG}</td><td>the resolved configuration, written when the run starts</td></tr>
 * <tr><td>{@value #METRICS}</td><td>one JSON object per step and per epoch, appended as training goes</td></tr>
 * <tr><td>{@value #CHECKPOINT}</td><td>the latest checkpoint while the run is unfinished</td></tr>
 * <tr><td>{@value #MODEL}</td><td>the trained network with its updater state, written at the end</td></tr>
 * <tr><td>{@value #CHART}</td><td>loss and accuracy per epoch, written at the end</td></tr>
 * <tr><td>{@value #SUMMARY}</td><td>written last: its presence marks a finished run</td></tr>
 * </table>
 *
 * <p>A run directory is finished when it holds {@value #SUMMARY}, unfinished when it holds {@value
 * #CONFIG} but no summary (a run that was killed or failed: continue it with {@code --resume}).
 */
public final class RunDirectory {

    /** The resolved configuration. */
    public static final String CONFIG = "config.properties";
    /** Per-step and per-epoch metrics, JSON lines. */
    public static final String METRICS = "metrics.jsonl";
    /** The latest checkpoint of an unfinished run. */
    public static final String CHECKPOINT = "checkpoint.zip";
    /** The trained model. */
    public static final String MODEL = "model.zip";
    /** The loss and accuracy chart. */
    public static final String CHART = "chart.png";
    /** The summary, written last. */
    public static final String SUMMARY = "summary.json";

    /** What a directory holds. */
    public enum State {
        /** Absent or empty: a new run can start. */
        NEW,
        /** A run that has not finished: it can be resumed. */
        UNFINISHED,
        /** A finished run. */
        FINISHED,
        /** Something other than a run. */
        FOREIGN
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path dir;

    /** The run directory at {@code dir}, which may not exist yet. */
    public RunDirectory(Path dir) {
        this.dir = dir;
    }

    /**
     * A new directory under {@code parent} named after the time, e.g. {@code runs/20250101-120000}
     * (with a suffix {@code -2}, {@code -3}, ... when that name is taken).
     */
    public static RunDirectory timestamped(Path parent, LocalDateTime now) {
        String name = STAMP.format(now);
        Path candidate = parent.resolve(name);
        for (int k = 2; Files.exists(candidate); k++) {
            candidate = parent.resolve(name + "-" + k);
        }
        return new RunDirectory(candidate);
    }

    /**
     * The configuration of the run whose directory holds {@code model} (a run's {@code model.zip} or
     * checkpoint).
     *
     * @param missing which flag is missing that the run's configuration would replace, for the refusal
     * @param fix what to give instead, for the refusal
     * @throws IllegalArgumentException if {@code model} is not in a run directory
     */
    public static TrainConfig configOfModel(Path model, String missing, String fix) {
        Path parent = model.toAbsolutePath().getParent();
        if (parent == null || !Files.exists(parent.resolve(CONFIG))) {
            throw new IllegalArgumentException(missing + " is missing and " + model + " is not in a run directory (no "
                    + CONFIG + " beside it); " + fix);
        }
        return new RunDirectory(parent).storedConfig();
    }

    /** The directory. */
    public Path path() {
        return dir;
    }

    /** A file of the run, e.g. {@code file(MODEL)}. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** What the directory holds now. */
    public State state() {
        if (!Files.exists(dir)) {
            return State.NEW;
        }
        if (!Files.isDirectory(dir)) {
            return State.FOREIGN;
        }
        if (Files.exists(file(SUMMARY))) {
            return State.FINISHED;
        }
        if (Files.exists(file(CONFIG))) {
            return State.UNFINISHED;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent() ? State.FOREIGN : State.NEW;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the run directory " + dir, e);
        }
    }

    /**
     * Refuses to start a new run here unless the directory is absent or empty, and can be created
     * and written.
     *
     * @throws RunRefusedException naming the directory, what it holds and what to do instead
     */
    public void requireNew() {
        switch (state()) {
            case NEW -> requireWritable();
            case FINISHED -> throw new RunRefusedException("--out " + dir + " holds a finished run (" + SUMMARY
                    + "); choose a new directory for --out, or delete " + dir + " to train again there");
            case UNFINISHED -> throw new RunRefusedException("--out " + dir + " holds an unfinished run; continue it "
                    + "with --out " + dir + " --resume, or choose a new directory for --out");
            case FOREIGN -> throw new RunRefusedException("--out " + dir + " is " + (Files.isDirectory(dir)
                    ? "a directory that is not empty and holds no syncbn run" : "not a directory")
                    + "; choose a new or empty directory for --out");
        }
    }

    /**
     * Refuses to resume unless the directory holds an unfinished run.
     *
     * @throws RunRefusedException naming the directory, what it holds and what to do instead
     */
    public void requireResumable() {
        switch (state()) {
            case UNFINISHED -> requireWritable();
            case FINISHED -> throw new RunRefusedException("--resume: " + dir + " holds a finished run (" + SUMMARY
                    + "); there is nothing to continue");
            case NEW, FOREIGN -> throw new RunRefusedException("--resume: " + dir + " holds no syncbn run to continue "
                    + "(no " + CONFIG + "); to start one, leave out --resume");
        }
    }

    /**
     * Refuses a directory that could not be created or written, so that a run is refused before it
     * starts Spark rather than failing when it writes its first file. Looks at the directory or, when
     * it does not exist yet, at its nearest existing ancestor, where it would be created. The
     * permission check is the operating system's ({@link Files#isWritable}), so it does not bite for
     * root; a path under a regular file is refused for everyone.
     *
     * @throws RunRefusedException naming the directory, the ancestor in the way and what to do instead
     */
    private void requireWritable() {
        Path absolute = dir.toAbsolutePath();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        boolean exists = existing.equals(absolute);
        if (!Files.isDirectory(existing)) {
            throw new RunRefusedException("--out " + dir + " cannot be created: " + existing + " is a file, not a "
                    + "directory; choose an --out outside " + existing);
        }
        if (!Files.isWritable(existing)) {
            throw new RunRefusedException("--out " + dir + (exists ? " is not writable, but a run writes its files "
                    + "there" : " cannot be created: " + existing + " is not writable") + "; choose a writable place "
                    + "for --out, or make " + existing + " writable (chmod u+w " + existing + ")");
        }
    }

    /**
     * Creates the directory (and its parents) and writes the configuration.
     *
     * @throws IOException if the directory or the file cannot be written
     */
    public void create(TrainConfig config) throws IOException {
        Files.createDirectories(dir);
        StringBuilder text = new StringBuilder("# syncbn train: the resolved configuration of this run\n");
        config.toMap().forEach((key, value) -> text.append(key).append('=').append(escape(value)).append('\n'));
        AtomicFiles.writeString(file(CONFIG), text.toString());
    }

    /**
     * The configuration the run was started with.
     *
     * @throws ConfigException if the file is damaged (the message names it)
     */
    public TrainConfig storedConfig() {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file(CONFIG), StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file(CONFIG), e);
        }
        try {
            return TrainConfig.fromProperties(p);
        } catch (ConfigException e) {
            throw new ConfigException(e.key(), file(CONFIG) + ": " + e.getMessage());
        }
    }

    /** A value as {@link Properties#load} reads it back: backslashes, line breaks and a leading blank escaped. */
    private static String escape(String value) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case ' ' -> s.append(i == 0 ? "\\ " : " ");
                default -> s.append(c);
            }
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
