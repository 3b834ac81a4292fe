package io.syncbn.driver.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Reads and writes checkpoint files: DL4J's model zip ({@link ModelSerializer}, parameters including
 * running statistics, updater state, iteration and epoch counts) with one more entry, {@value
 * #STATE_ENTRY}, holding the {@link Checkpoint}. A checkpoint replaces the previous one atomically,
 * so a run killed at any moment leaves the last complete checkpoint.
 */
public final class Checkpoints {

    /** The zip entry holding the run state. */
    public static final String STATE_ENTRY = "syncbn-checkpoint.json";

    /** A network and the run state stored with it. */
    public record Restored(MultiLayerNetwork network, Checkpoint state) {
    }

    private Checkpoints() {
    }

    /**
     * Replaces {@code file} with a checkpoint of {@code network} at {@code state}.
     *
     * @throws IOException if it cannot be written; the previous checkpoint is then unchanged
     */
    public static void write(Path file, MultiLayerNetwork network, Checkpoint state) throws IOException {
        AtomicFiles.write(file, tmp -> {
            ModelSerializer.writeModel(network, tmp.toFile(), true);
            try (FileSystem zip = FileSystems.newFileSystem(tmp)) {
                Files.writeString(zip.getPath(STATE_ENTRY), state.toJson(), StandardCharsets.UTF_8);
            }
        });
    }

    /**
     * Reads a checkpoint.
     *
     * @throws IOException if the file is missing or damaged (the message names it)
     */
    public static Restored read(Path file) throws IOException {
        try {
            Checkpoint state;
            try (FileSystem zip = FileSystems.newFileSystem(file)) {
                Path entry = zip.getPath(STATE_ENTRY);
                if (!Files.exists(entry)) {
                    throw new IOException("it is not a syncbn checkpoint: it has no " + STATE_ENTRY + " entry");
                }
                state = Checkpoint.fromJson(Files.readString(entry, StandardCharsets.UTF_8));
            }
            return new Restored(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true), state);
        } catch (IOException e) {
            throw new IOException("cannot read the checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the checkpoint a resumed run continues from, refusing one that cannot be read. Checkpoints
     * are replaced atomically, so a damaged one was cut or changed after training wrote it (a copy
     * interrupted, a full disk elsewhere); the run can still start again from the beginning in the
     * same directory, because a resumed run without a checkpoint does exactly that.
     *
     * @throws RunRefusedException naming the file, what is wrong with it and the two ways on
     */
    public static Restored readToResume(Path file) {
        String why;
        try {
            return read(file);
        } catch (IOException e) {
            why = e.getMessage();
        } catch (RuntimeException e) {
            why = "cannot read the checkpoint " + file + ": " + e;
        }
        throw new RunRefusedException("--resume: " + why + "; the run cannot continue from a damaged, cut or "
                + "replaced checkpoint. To train the run again from the beginning in the same directory, delete " + file
                + " and run the same command; or start a new run with another --out");
    }
}
