package io.syncbn.driver.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;

/**
 * A named network layout. Both configurations it builds hold the same layers in the same order
 * with the same names, so a trainer can use either form; every call builds fresh layer objects.
 */
public interface Architecture {

    /** The registry name, e.g. {@code fmnist-cnn}. */
    String name();

    /** One line saying what the network is and what data it is for. */
    String description();

    /** The spec of the data this architecture was designed for (its default input shape and classes). */
    ModelSpec defaultSpec();

    /**
     * The network as a layer list.
     *
     * @throws IllegalArgumentException if {@code spec}'s input shape has a rank this architecture
     *     cannot take
     */
    MultiLayerConfiguration list(ModelSpec spec);

    /**
     * The same network as a computation graph: input {@code "input"}, one vertex per layer named as
     * the layer, output the last layer.
     *
     * @throws IllegalArgumentException as {@link #list}
     */
    ComputationGraphConfiguration graph(ModelSpec spec);
}
