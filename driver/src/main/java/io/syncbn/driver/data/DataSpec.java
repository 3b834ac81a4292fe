package io.syncbn.driver.data;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * A parsed data spec: {@code KIND[:LOCATION][?KEY=VALUE[&KEY=VALUE]...]}.
 *
 * <table>
 * <caption>Kinds, locations and options</caption>
 * <tr><th>kind</th><th>location</th><th>options</th></tr>
 * <tr><td>{@code fashion-mnist}</td><td>directory, default {@code /usr/share/datasets/fashion-mnist}</td>
 *     <td>only {@code train-subset}</td></tr>
 * <tr><td>{@code idx}</td><td>directory of the four MNIST-format files (required)</td>
 *     <td>{@code classes} (default 10)</td></tr>
 * <tr><td>{@code csv}</td><td>file (required)</td>
 *     <td>{@code label} ({@code last}, {@code first} or a 0-based column; default last), {@code header}
 *     ({@code auto}, {@code true}, {@code false}; default auto), {@code test} (fraction held out, in (0, 1);
 *     default 0.2), {@code seed} (of the split), {@code classes} (default: largest label + 1)</td></tr>
 * <tr><td>{@code synthetic}, {@code synthetic3d}</td><td>none</td>
 *     <td>{@code train}, {@code test} (example counts), {@code seed}, {@code classes}</td></tr>
 * </table>
 *
 * <p>Every kind also takes {@code train-subset=M}: only the first M training examples (in the order
 * the source holds them) are trained on; the test set is unchanged. A study uses it to fit the time
 * available.
 *
 * <p>Examples: {@code fashion-mnist?train-subset=12800}, {@code idx:/data/mnist?classes=10}, {@code
 * csv:/data/iris.csv?label=4&test=0.25}, {@code synthetic?train=512&seed=7}. A location cannot
 * contain {@code ?}.
 *
 * @param kind what the data is and how it is read
 * @param location the directory or file; null when the kind takes none or the default is meant
 * @param options option values as written, in order; only the kind's options
 */
public record DataSpec(Kind kind, Path location, Map<String, String> options) {

    /** The option every kind takes: train on the first M training examples only (in file order). */
    public static final String TRAIN_SUBSET = "train-subset";

    /** The kinds of data source, with their location rule and options. */
    public enum Kind {
        /** Fashion-MNIST as Debian's {@code dataset-fashion-mnist} installs it. */
        FASHION_MNIST("fashion-mnist", Location.OPTIONAL, List.of(TRAIN_SUBSET)),
        /** Any MNIST-format (IDX) set in a directory. */
        IDX("idx", Location.REQUIRED, List.of("classes", TRAIN_SUBSET)),
        /** A table of numeric features and an integer label column. */
        CSV("csv", Location.REQUIRED, List.of("label", "header", "test", "seed", "classes", TRAIN_SUBSET)),
        /** Generated 28×28 images, [N, 1, 28, 28]. */
        SYNTHETIC("synthetic", Location.NONE, List.of("train", "test", "seed", "classes", TRAIN_SUBSET)),
        /** Generated 8×16×16 volumes, [N, 1, 8, 16, 16]. */
        SYNTHETIC3D("synthetic3d", Location.NONE, List.of("train", "test", "seed", "classes", TRAIN_SUBSET));

        private final String label;
        private final Location location;
        private final List<String> options;

        Kind(String label, Location location, List<String> options) {
            this.label = label;
            this.location = location;
            this.options = options;
        }

        /** The kind's name in spec strings, e.g. {@code fashion-mnist}. */
        public String label() {
            return label;
        }

        /** The option keys this kind accepts. */
        public List<String> options() {
            return options;
        }

        static Kind of(String label, String spec) {
            for (Kind kind : values()) {
                if (kind.label.equals(label)) {
                    return kind;
                }
            }
            StringJoiner known = new StringJoiner(", ");
            for (Kind kind : values()) {
                known.add(kind.label);
            }
            throw new DataException("data spec \"" + spec + "\": unknown kind \"" + label + "\": must be one of "
                    + known);
        }
    }

    private enum Location { NONE, OPTIONAL, REQUIRED }

    /** Checks the location and the option keys against the kind's rules. */
    public DataSpec {
        Objects.requireNonNull(kind, "kind");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(options, "options")));
        if (location == null && kind.location == Location.REQUIRED) {
            throw new DataException("data spec \"" + render(kind, location, options) + "\": " + kind.label
                    + " needs a location: " + kind.label + ":" + (kind == Kind.CSV ? "FILE" : "DIR"));
        }
        if (location != null && kind.location == Location.NONE) {
            throw new DataException("data spec \"" + render(kind, location, options) + "\": " + kind.label
                    + " takes no location (it is generated)");
        }
        for (String key : options.keySet()) {
            if (!kind.options.contains(key)) {
                throw new DataException("data spec \"" + render(kind, location, options) + "\": unknown option \""
                        + key + "\" for " + kind.label + "; " + (kind.options.isEmpty() ? "it takes no options"
                                : "allowed: " + String.join(", ", kind.options)));
            }
        }
    }

    /**
     * Parses {@code KIND[:LOCATION][?KEY=VALUE&...]}.
     *
     * @throws DataException for an unknown kind or option, a missing or unexpected location, an option
     *     without a value or given twice
     */
    public static DataSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String text = spec.strip();
        String head = text;
        Map<String, String> options = new LinkedHashMap<>();
        int query = text.indexOf('?');
        if (query >= 0) {
            head = text.substring(0, query);
            for (String pair : text.substring(query + 1).split("&", -1)) {
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw new DataException("data spec \"" + spec + "\": options must be KEY=VALUE separated by &, "
                            + "but got \"" + pair + "\"");
                }
                String key = pair.substring(0, eq).strip();
                if (options.put(key, pair.substring(eq + 1).strip()) != null) {
                    throw new DataException("data spec \"" + spec + "\": option \"" + key + "\" is given twice");
                }
            }
        }
        int colon = head.indexOf(':');
        String kind = colon < 0 ? head : head.substring(0, colon);
        Path location = null;
        if (colon >= 0) {
            String where = head.substring(colon + 1).strip();
            if (where.isEmpty()) {
                throw new DataException("data spec \"" + spec + "\": the location after \"" + kind
                        + ":\" is empty");
            }
            location = Path.of(where);
        }
        return new DataSpec(Kind.of(kind.strip(), spec), location, options);
    }

    /** The location, or {@code fallback} when none was given. */
    public Path locationOr(Path fallback) {
        return location == null ? fallback : location;
    }

    /**
     * An integer option, or {@code fallback} when absent.
     *
     * @throws DataException if the value is not an integer of at least {@code min}
     */
    public int intOption(String key, int fallback, int min) {
        String value = options.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below with the rule
        }
        throw badOption(key, "an integer >= " + min, value);
    }

    /**
     * A long option, or {@code fallback} when absent.
     *
     * @throws DataException if the value is not an integer
     */
    public long longOption(String key, long fallback) {
        String value = options.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw badOption(key, "an integer", value);
        }
    }

    /**
     * A number option strictly between {@code low} and {@code high}, or {@code fallback} when absent.
     *
     * @throws DataException if the value is not a number in the open interval
     */
    public double fractionOption(String key, double fallback, double low, double high) {
        String value = options.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            double parsed = Double.parseDouble(value);
            if (parsed > low && parsed < high) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below with the rule
        }
        throw badOption(key, "a number in (" + low + ", " + high + ")", value);
    }

    /**
     * An option that must be one of {@code allowed}, or {@code fallback} when absent.
     *
     * @throws DataException for any other value
     */
    public String choiceOption(String key, String fallback, List<String> allowed) {
        String value = options.getOrDefault(key, fallback);
        if (!allowed.contains(value)) {
            throw badOption(key, "one of " + String.join(", ", allowed), value);
        }
        return value;
    }

    /** The raw value of an option, or {@code fallback} when absent. */
    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /** A refusal of option {@code key}'s value, naming the spec, the rule and the value. */
    DataException badOption(String key, String rule, String value) {
        return new DataException("data spec \"" + this + "\": option " + key + " must be " + rule + ", but got \""
                + value + "\"");
    }

    /** The spec in its canonical form, which {@link #parse} reads back to an equal spec. */
    @Override
    public String toString() {
        return render(kind, location, options);
    }

    private static String render(Kind kind, Path location, Map<String, String> options) {
        StringBuilder s = new StringBuilder(kind.label);
        if (location != null) {
            s.append(':').append(location);
        }
        StringJoiner query = new StringJoiner("&", "?", "");
        query.setEmptyValue("");
        options.forEach((k, v) -> query.add(k + "=" + v));
        return s.append(query).toString();
    }
}
