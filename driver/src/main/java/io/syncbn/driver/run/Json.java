package io.syncbn.driver.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/** The one JSON mapper of the run files: the Jackson that ND4J ships shaded, so no second copy is needed. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** An empty object to fill. */
    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** One line of compact JSON. */
    static String line(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Indented JSON for files people read. */
    static String pretty(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Puts {@code values} as an array under {@code key}; NaN becomes {@code null} (JSON has no NaN). */
    static void putArray(ObjectNode o, String key, double[] values) {
        ArrayNode a = o.putArray(key);
        for (double v : values) {
            if (Double.isNaN(v)) {
                a.addNull();
            } else {
                a.add(v);
            }
        }
    }

    /** Puts {@code value} under {@code key}; NaN becomes {@code null}. */
    static void putNumber(ObjectNode o, String key, double value) {
        if (Double.isNaN(value)) {
            o.putNull(key);
        } else {
            o.put(key, value);
        }
    }

    /** A number written by {@link #putNumber}: {@code null} reads as NaN. */
    static double number(JsonNode n) {
        return n == null || n.isNull() ? Double.NaN : n.asDouble();
    }

    /** An array written by {@link #putArray}, or {@code null} if absent. */
    static double[] doubles(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(n.get(i));
        }
        return out;
    }

    /** Parses JSON text. */
    static JsonNode parse(String text) throws IOException {
        return MAPPER.readTree(text);
    }
}
