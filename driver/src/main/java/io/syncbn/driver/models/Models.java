package io.syncbn.driver.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;

/**
 * The registry of architectures by name: {@code fmnist-cnn} (the default), {@code mlp}, {@code
 * cnn3d}.
 *
 * <pre>{@code
 * Architecture arch = Models.get(name);
 * ModelSpec spec = arch.defaultSpec().withInputShape(data.featureShape()).withClasses(data.classes()).withSeed(seed);
 * MultiLayerConfiguration conf = arch.list(spec);
 * }</pre>
 */
public final class Models {

    /** The architecture used when none is named. */
    public static final String DEFAULT = FmnistCnn.NAME;

    private static final Map<String, Architecture> BY_NAME = register(new FmnistCnn(), new Mlp(), new Cnn3d());

    private Models() {
    }

    /** The registered names, default first. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /**
     * The architecture called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known ones
     */
    public static Architecture get(String name) {
        Architecture architecture = BY_NAME.get(name);
        if (architecture == null) {
            throw new IllegalArgumentException("unknown model \"" + name + "\": must be one of "
                    + String.join(", ", BY_NAME.keySet()));
        }
        return architecture;
    }

    /** {@code get(name).list(spec)}. */
    public static MultiLayerConfiguration list(String name, ModelSpec spec) {
        return get(name).list(spec);
    }

    /** {@code get(name).graph(spec)}. */
    public static ComputationGraphConfiguration graph(String name, ModelSpec spec) {
        return get(name).graph(spec);
    }

    private static Map<String, Architecture> register(Architecture... architectures) {
        Map<String, Architecture> byName = new LinkedHashMap<>();
        for (Architecture architecture : architectures) {
            byName.put(architecture.name(), architecture);
        }
        return byName;
    }
}
