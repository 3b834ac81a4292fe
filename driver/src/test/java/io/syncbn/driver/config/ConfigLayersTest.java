package io.syncbn.driver.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layering: flags override a {@code --conf} file, which overrides the defaults; a file's unknown key
 * is refused naming the file; a refused value says which flag or file set it.
 */
class ConfigLayersTest {

    private static final String DEFAULTS = "the defaults";

    @Test
    void flagsOverrideTheFileWhichOverridesTheDefaults(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("my.properties"), "# a partial file\nworkers=4\nepochs=3\n");
        TrainConfig config = new ConfigLayers(TrainConfig.defaults(), DEFAULTS).file(file)
                .flags(Map.of("epochs", "5")).resolve();
        TrainConfig defaults = TrainConfig.defaults();
        assertAll(
                () -> assertEquals(4, config.workers(), "workers from the file"),
                () -> assertEquals(5, config.epochs(), "epochs from the flag, over the file"),
                () -> assertEquals(defaults.perWorkerBatch(), config.perWorkerBatch(), "per-worker-batch: default"),
                () -> assertEquals(defaults.data(), config.data(), "data: default"));
    }

    @Test
    void refusalsSayWhereTheValueCameFrom(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.properties"), "bn=global\n");
        ConfigException fromFile = assertThrows(ConfigException.class,
                () -> new ConfigLayers(TrainConfig.defaults(), DEFAULTS).file(file).resolve());
        ConfigException fromFlag = assertThrows(ConfigException.class,
                () -> new ConfigLayers(TrainConfig.defaults(), DEFAULTS).flags(Map.of("workers", "0")).resolve());
        assertAll(
                () -> assertEquals("bn must be sync, local or group:K with an integer K >= 1, but got \"global\" (from " + file + ")",
                        fromFile.getMessage()),
                () -> assertEquals("workers must be an integer >= 1, but got 0 (from --workers)",
                        fromFlag.getMessage()));
    }

    @Test
    void refusesAFileWithAnUnknownKey(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("typo.properties"), "batch=32\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLayers(TrainConfig.defaults(), DEFAULTS).file(file));
        assertEquals(file + ": unknown key \"batch\"; allowed keys: workers, per-worker-batch, epochs, lr, bn, "
                + "model, data, master, seed, dtype, out, checkpoint-every, diagnostics-every, precise-bn, bn-virtual-batch, collective-timeout, max-stage-attempts, bn-renorm, optimizer, momentum, weight-decay, warmup-steps, lr-scaling, base-batch, lr-schedule", e.getMessage());
    }

    @Test
    void refusesAMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("absent.properties");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLayers(TrainConfig.defaults(), DEFAULTS).file(file));
        assertEquals("configuration file " + file + " does not exist; give an existing properties file to --conf",
                e.getMessage());
    }
}
