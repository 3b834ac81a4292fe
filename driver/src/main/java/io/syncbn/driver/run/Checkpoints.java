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
        Checkpoint state;
        try (FileSystem zip = FileSystems.newFileSystem(file)) {
            Path entry = zip.getPath(STATE_ENTRY);
            if (!Files.exists(entry)) {
                throw new IOException("it is not a syncbn checkpoint: it has no " + STATE_ENTRY + " entry");
            }
            state = Checkpoint.fromJson(Files.readString(entry, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("cannot read the checkpoint " + file + ": " + e.getMessage(), e);
        }
        return new Restored(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true), state);
    }
}
