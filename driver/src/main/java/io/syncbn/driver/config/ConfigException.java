package io.syncbn.driver.config;

/**
 * A configuration value or file that cannot be used. The message names the key, the rule and the
 * value; {@link #withOrigin} adds where the value came from (a flag, a file, the defaults).
 */
public class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the configuration key concerned, or {@code null} when the refusal is about a whole file
     * @param message what is wrong: key, rule and value
     */
    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The key whose value was refused, or {@code null}. */
    public String key() {
        return key;
    }

    /** The same refusal, saying where the value was set, e.g. {@code (from --workers)}. */
    public ConfigException withOrigin(String origin) {
        ConfigException e = new ConfigException(key, getMessage() + " (from " + origin + ")");
        e.setStackTrace(getStackTrace());
        return e;
    }
}
