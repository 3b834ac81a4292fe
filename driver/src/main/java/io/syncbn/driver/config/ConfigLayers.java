package io.syncbn.driver.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Builds a {@link TrainConfig} from layers, each overriding the one before: a base (the defaults, or a
 * stored run's configuration), then a properties file, then command-line flags. It remembers where
 * each value came from, so a refusal says which flag or file to fix.
 *
 * <pre>{@code
 * TrainConfig config = new ConfigLayers(TrainConfig.defaults(), "conf/train.properties")
 *         .file(Path.of("my.properties"))
 *         .flags(Map.of("workers", "4"))
 *         .resolve();
 * }</pre>
 */
public final class ConfigLayers {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origins = new HashMap<>();

    /**
     * @param base the bottom layer, complete
     * @param origin what to call it in messages, e.g. {@code defaults (conf/train.properties)}
     */
    public ConfigLayers(TrainConfig base, String origin) {
        base.toMap().forEach((k, v) -> put(k, v, origin));
    }

    /**
     * Overrides the keys {@code file} sets.
     *
     * @throws ConfigException if the file cannot be read or sets an unknown key (naming the file)
     */
    public ConfigLayers file(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new ConfigException(null, "configuration file " + file + " does not exist; give an existing "
                    + "properties file to --conf");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(null, "configuration file " + file + " cannot be read as a properties file: "
                    + e.getMessage());
        }
        for (String key : p.stringPropertyNames()) {
            try {
                TrainConfig.requireKnown(key);
            } catch (ConfigException e) {
                throw new ConfigException(key, file + ": " + e.getMessage());
            }
            put(key, p.getProperty(key), file.toString());
        }
        return this;
    }

    /**
     * Overrides the keys given as flags; each key's origin is {@code --key}.
     *
     * @throws ConfigException for an unknown key
     */
    public ConfigLayers flags(Map<String, String> flags) {
        flags.forEach((key, value) -> {
            TrainConfig.requireKnown(key);
            put(key, value, "--" + key);
        });
        return this;
    }

    /** Where the current value of {@code key} came from. */
    public String originOf(String key) {
        return origins.get(key);
    }

    /**
     * The validated configuration.
     *
     * @throws ConfigException naming the key, the rule, the value and where the value came from
     */
    public TrainConfig resolve() {
        try {
            return TrainConfig.fromMap(values);
        } catch (ConfigException e) {
            String origin = e.key() == null ? null : origins.get(e.key());
            throw origin == null ? e : e.withOrigin(origin);
        }
    }

    private void put(String key, String value, String origin) {
        values.put(key, value);
        origins.put(key, origin);
    }
}
