package io.syncbn.driver.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Loads a DL4J model zip ({@link ModelSerializer} format: a trained run's {@code model.zip}, a
 * checkpoint or an exported model) as a {@code MultiLayerNetwork} or a {@code ComputationGraph},
 * whichever it holds.
 */
public final class ModelFiles {

    private static final String CONFIGURATION_ENTRY = "configuration.json";

    private ModelFiles() {
    }

    /**
     * Loads the network in {@code file}, with its updater state when {@code withUpdater}.
     *
     * @throws IOException if the file is missing or is not a DL4J model zip (the message names it)
     */
    public static Model load(Path file, boolean withUpdater) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("model file " + file + " does not exist; give the model.zip of a run or an "
                    + "exported model");
        }
        boolean graph;
        try (FileSystem zip = FileSystems.newFileSystem(file)) {
            Path entry = zip.getPath(CONFIGURATION_ENTRY);
            if (!Files.exists(entry)) {
                throw new IOException("it has no " + CONFIGURATION_ENTRY);
            }
            JsonNode conf = Json.parse(Files.readString(entry, StandardCharsets.UTF_8));
            graph = conf.has("vertices");
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a DL4J model zip (ModelSerializer format): " + e.getMessage(), e);
        }
        return graph ? ModelSerializer.restoreComputationGraph(file.toFile(), withUpdater)
                : ModelSerializer.restoreMultiLayerNetwork(file.toFile(), withUpdater);
    }
}
