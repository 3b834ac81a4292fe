package io.syncbn.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Folds batch normalization into the layer before it, for deployment: a BN layer that directly
 * follows a convolution or dense layer (BN before the nonlinearity, as the project's models have it)
 * becomes part of that layer's weights and bias, and disappears. With the running statistics μ, σ²,
 * scale γ, shift β and ε, the layer's output channel c is multiplied by {@code s_c = γ_c / √(σ²_c + ε)}
 * and shifted by {@code β_c − μ_c · s_c}: weights {@code W_c · s_c}, bias {@code b_c · s_c + β_c − μ_c ·
 * s_c} (a layer without bias gets one). Inference outputs are unchanged up to rounding (Jacob et al.
 * 2018, "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only
 * Inference", section 3.2).
 *
 * <p>The network is first converted to DL4J's own layers ({@link LayerConversion#toDl4j}), so the
 * result loads with plain DL4J. A BN layer is folded when the layer before it is DL4J's {@code
 * ConvolutionLayer} or {@code DenseLayer} with the identity activation, in the same data format, its
 * output feeds nothing else, and no input preprocessor sits between them; any other BN layer is kept,
 * and the result says why. The updater state is dropped: a folded network is for inference.
 */
public final class BatchNormFolding {

    /**
     * A folded network.
     *
     * @param network the network with the foldable BN layers folded
     * @param folded the names of the folded BN layers, each with the layer it went into
     * @param kept the names of the BN layers kept, each with the reason
     */
    public record Result<M>(M network, List<String> folded, List<String> kept) {
    }

    private BatchNormFolding() {
    }

    /** Folds every foldable BN layer of {@code net}; see the class description. */
    public static Result<MultiLayerNetwork> fold(MultiLayerNetwork net) {
        MultiLayerNetwork dl4j = LayerConversion.toDl4j(net);
        MultiLayerConfiguration conf = dl4j.getLayerWiseConfigurations().clone();
        List<NeuralNetConfiguration> confs = conf.getConfs();
        List<String> folded = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<Integer> bnToFold = new ArrayList<>();
        for (int i = 0; i < confs.size(); i++) {
            if (confs.get(i).getLayer() instanceof BatchNormalization bn) {
                String why = i == 0 ? "it is the first layer" : conf.getInputPreProcess(i) != null
                        ? "an input preprocessor sits before it" : FoldArithmetic.whyNot(confs.get(i - 1).getLayer(), bn);
                String name = name(bn.getLayerName(), i);
                if (why == null) {
                    bnToFold.add(i);
                    folded.add(name + " into " + name(confs.get(i - 1).getLayer().getLayerName(), i - 1));
                } else {
                    kept.add(name + ": " + why);
                }
            }
        }
        List<NeuralNetConfiguration> newConfs = new ArrayList<>();
        Map<Integer, InputPreProcessor> preprocessors = new HashMap<>();
        List<Integer> source = new ArrayList<>();
        for (int i = 0; i < confs.size(); i++) {
            if (bnToFold.contains(i)) {
                continue;
            }
            NeuralNetConfiguration c = confs.get(i);
            if (bnToFold.contains(i + 1)) {
                c.setLayer(FoldArithmetic.withBias(c.getLayer()));
            }
            if (conf.getInputPreProcess(i) != null) {
                preprocessors.put(newConfs.size(), conf.getInputPreProcess(i));
            }
            newConfs.add(c);
            source.add(i);
        }
        conf.setConfs(newConfs);
        conf.setInputPreProcessors(preprocessors);
        MultiLayerNetwork out = new MultiLayerNetwork(conf);
        out.init();
        for (int j = 0; j < source.size(); j++) {
            int i = source.get(j);
            Layer from = dl4j.getLayer(i);
            Layer to = out.getLayer(j);
            if (bnToFold.contains(i + 1)) {
                FoldArithmetic.fold(from, dl4j.getLayer(i + 1), to);
            } else {
                to.setParams(from.params());
            }
        }
        return new Result<>(out, folded, kept);
    }

    /** Folds every foldable BN layer of {@code graph}; see the class description. */
    public static Result<ComputationGraph> fold(ComputationGraph graph) {
        ComputationGraph dl4j = LayerConversion.toDl4j(graph);
        ComputationGraphConfiguration conf = dl4j.getConfiguration().clone();
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<String> folded = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        Map<String, String> intoLayer = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            if (e.getValue() instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                String why = whyNotInGraph(e.getKey(), lv, bn, vertices, inputs, conf.getNetworkInputs());
                if (why == null) {
                    intoLayer.put(e.getKey(), inputs.get(e.getKey()).get(0));
                    folded.add(e.getKey() + " into " + inputs.get(e.getKey()).get(0));
                } else {
                    kept.add(e.getKey() + ": " + why);
                }
            }
        }
        for (Map.Entry<String, String> f : intoLayer.entrySet()) {
            LayerVertex linear = (LayerVertex) vertices.get(f.getValue());
            linear.getLayerConf().setLayer(FoldArithmetic.withBias(linear.getLayerConf().getLayer()));
            vertices.remove(f.getKey());
            inputs.remove(f.getKey());
            inputs.replaceAll((vertex, in) -> in.stream().map(v -> v.equals(f.getKey()) ? f.getValue() : v).toList());
            conf.getNetworkOutputs().replaceAll(v -> v.equals(f.getKey()) ? f.getValue() : v);
        }
        ComputationGraph out = new ComputationGraph(conf);
        out.init();
        for (Layer to : out.getLayers()) {
            String name = to.conf().getLayer().getLayerName();
            String bn = intoLayer.entrySet().stream().filter(f -> f.getValue().equals(name)).map(Map.Entry::getKey)
                    .findFirst().orElse(null);
            if (bn != null) {
                FoldArithmetic.fold(dl4j.getLayer(name), dl4j.getLayer(bn), to);
            } else {
                to.setParams(dl4j.getLayer(name).params());
            }
        }
        return new Result<>(out, folded, kept);
    }

    private static String whyNotInGraph(String name, LayerVertex bnVertex, BatchNormalization bn,
            Map<String, GraphVertex> vertices, Map<String, List<String>> inputs, List<String> networkInputs) {
        List<String> in = inputs.get(name);
        if (in == null || in.size() != 1 || networkInputs.contains(in.get(0))) {
            return "its input is not one layer";
        }
        if (bnVertex.getPreProcessor() != null) {
            return "an input preprocessor sits before it";
        }
        if (!(vertices.get(in.get(0)) instanceof LayerVertex linear)) {
            return "its input " + in.get(0) + " is not a layer";
        }
        long consumers = inputs.values().stream().filter(l -> l.contains(in.get(0))).count();
        if (consumers != 1) {
            return "the output of " + in.get(0) + " also feeds other vertices";
        }
        return FoldArithmetic.whyNot(linear.getLayerConf().getLayer(), bn);
    }

    private static String name(String layerName, int index) {
        return layerName == null || layerName.isEmpty() || layerName.equals(Integer.toString(index))
                || layerName.equals("layer" + index) ? "layer " + index : "layer " + index + " (\"" + layerName + "\")";
    }
}
