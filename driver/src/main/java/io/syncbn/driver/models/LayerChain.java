package io.syncbn.driver.models;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A network as a sequence of named layers over one input: the single description from which an
 * architecture's list and graph configurations are both built, so the two cannot drift apart.
 */
record LayerChain(ModelSpec spec, List<Layer> layers) {

    /** The input vertex of the graph form. */
    static final String INPUT = "input";

    LayerChain {
        Objects.requireNonNull(spec, "spec");
        layers = List.copyOf(layers);
        if (layers.isEmpty() || !(layers.get(layers.size() - 1) instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("a layer chain must end with an output layer, but got " + layers);
        }
        Set<String> names = new HashSet<>();
        names.add(INPUT);
        for (Layer layer : layers) {
            if (layer.getLayerName() == null || !names.add(layer.getLayerName())) {
                throw new IllegalArgumentException("every layer needs a unique name other than \"" + INPUT
                        + "\", but got \"" + layer.getLayerName() + "\" in " + layers);
            }
        }
    }

    /**
     * Refuses a spec whose example shape does not have {@code rank} dimensions.
     *
     * @param layout the expected shape in words, e.g. {@code [channels, height, width]}
     */
    static void requireInputRank(String model, ModelSpec spec, int rank, String layout) {
        if (spec.inputShape().size() != rank) {
            throw new IllegalArgumentException("model " + model + " needs an input shape " + layout + " (" + rank
                    + " dimensions), but got " + spec.inputShape());
        }
    }

    /** The layers as a {@link MultiLayerConfiguration}; the layer objects are cloned. */
    MultiLayerConfiguration toList() {
        NeuralNetConfiguration.ListBuilder list = base().list();
        for (int i = 0; i < layers.size(); i++) {
            list.layer(i, layers.get(i).clone());
        }
        return list.setInputType(spec.inputType()).build();
    }

    /** The layers as a chain-shaped {@link ComputationGraphConfiguration}; the layer objects are cloned. */
    ComputationGraphConfiguration toGraph() {
        ComputationGraphConfiguration.GraphBuilder graph = base().graphBuilder().addInputs(INPUT);
        String previous = INPUT;
        for (Layer layer : layers) {
            graph.addLayer(layer.getLayerName(), layer.clone(), previous);
            previous = layer.getLayerName();
        }
        return graph.setOutputs(previous).setInputTypes(spec.inputType()).build();
    }

    private NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder()
                .seed(spec.seed())
                .dataType(spec.dataType())
                .updater(new Adam(spec.learningRate()))
                .weightInit(WeightInit.XAVIER);
    }
}
