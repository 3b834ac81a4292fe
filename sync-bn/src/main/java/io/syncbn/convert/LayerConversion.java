package io.syncbn.convert;

import io.syncbn.nn.activations.FastReLU;
import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.conf.DnnlConvolution3D;
import io.syncbn.nn.conf.SyncBatchNormalization;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;

/**
 * Every layer of this project to or from its DL4J counterpart, with parameters and updater state:
 * {@link SyncBatchNormalization} ↔ DL4J's {@link BatchNormalization} (as {@link BatchNormConversion}
 * does), {@link DnnlConvolution2D} ↔ DL4J's 2-D {@link ConvolutionLayer} and {@link DnnlConvolution3D}
 * ↔ DL4J's {@link Convolution3D} (same configuration and parameter layout), {@link FastReLU} ↔ DL4J's
 * {@link ActivationReLU} (in {@code ActivationLayer}s, and as any layer's activation in {@code
 * toDl4j}). {@code toDl4j} gives a network that plain DL4J loads without this project's jar
 * ({@code syncbn export}); {@code toProject} gives one that trains on this project's compute path.
 * Other layers, including DL4J's other subclasses of {@code ConvolutionLayer} (1-D, separable,
 * depthwise), are kept as they are. {@code toDl4j} refuses networks with 3-D activations, as {@link
 * BatchNormConversion#toDl4j(MultiLayerConfiguration)} does (DL4J's batch normalization only takes
 * rank 2 and rank 4 inputs); {@code toProject} converts them.
 */
public final class LayerConversion {

    private LayerConversion() {
    }

    /** A copy of {@code conf} with DL4J's layers only. */
    public static MultiLayerConfiguration toDl4j(MultiLayerConfiguration conf) {
        return NetworkRewrite.replaceLayers(BatchNormConversion.toDl4j(conf), LayerConversion::layerToDl4j);
    }

    /** A copy of {@code conf} with DL4J's layers only. */
    public static ComputationGraphConfiguration toDl4j(ComputationGraphConfiguration conf) {
        return NetworkRewrite.replaceLayers(BatchNormConversion.toDl4j(conf), LayerConversion::layerToDl4j);
    }

    /** A copy of {@code conf} with this project's layers where it has them. */
    public static MultiLayerConfiguration toProject(MultiLayerConfiguration conf) {
        return NetworkRewrite.replaceLayers(BatchNormConversion.toSync(conf), LayerConversion::layerToProject);
    }

    /** A copy of {@code conf} with this project's layers where it has them. */
    public static ComputationGraphConfiguration toProject(ComputationGraphConfiguration conf) {
        return NetworkRewrite.replaceLayers(BatchNormConversion.toSync(conf), LayerConversion::layerToProject);
    }

    /** A new network with DL4J's layers only and {@code net}'s parameters and updater state. */
    public static MultiLayerNetwork toDl4j(MultiLayerNetwork net) {
        return NetworkRewrite.convert(net, toDl4j(net.getLayerWiseConfigurations()), BatchNormConversion::sourceValue);
    }

    /** A new graph with DL4J's layers only and {@code graph}'s parameters and updater state. */
    public static ComputationGraph toDl4j(ComputationGraph graph) {
        return NetworkRewrite.convert(graph, toDl4j(graph.getConfiguration()), BatchNormConversion::sourceValue);
    }

    /** A new network with this project's layers and {@code net}'s parameters and updater state. */
    public static MultiLayerNetwork toProject(MultiLayerNetwork net) {
        return NetworkRewrite.convert(net, toProject(net.getLayerWiseConfigurations()), BatchNormConversion::sourceValue);
    }

    /** A new graph with this project's layers and {@code graph}'s parameters and updater state. */
    public static ComputationGraph toProject(ComputationGraph graph) {
        return NetworkRewrite.convert(graph, toProject(graph.getConfiguration()), BatchNormConversion::sourceValue);
    }

    /** Whether {@code layer} is, or uses, one of this project's classes (and needs its jar to load). */
    public static boolean isProjectLayer(Layer layer) {
        return layer instanceof SyncBatchNormalization || layer instanceof DnnlConvolution2D
                || layer instanceof DnnlConvolution3D || activation(layer) instanceof FastReLU;
    }

    private static Layer layerToDl4j(Layer layer) {
        Layer out = layer;
        if (layer instanceof DnnlConvolution2D c) {
            out = c.toDl4j();
        } else if (layer instanceof DnnlConvolution3D c) {
            out = c.toDl4j();
        }
        return activation(out) instanceof FastReLU ? withActivation(out, new ActivationReLU()) : out;
    }

    private static Layer layerToProject(Layer layer) {
        if (layer.getClass() == ConvolutionLayer.class) {
            return DnnlConvolution2D.of((ConvolutionLayer) layer);
        }
        if (layer.getClass() == Convolution3D.class) {
            return DnnlConvolution3D.of((Convolution3D) layer);
        }
        boolean dl4jRelu = activation(layer) != null && activation(layer).getClass() == ActivationReLU.class;
        return layer instanceof ActivationLayer && dl4jRelu ? withActivation(layer, new FastReLU()) : layer;
    }

    private static IActivation activation(Layer layer) {
        if (layer instanceof ActivationLayer a) {
            return a.getActivationFn();
        }
        return layer instanceof BaseLayer b ? b.getActivationFn() : null;
    }

    private static Layer withActivation(Layer layer, IActivation activation) {
        Layer copy = layer.clone();
        if (copy instanceof ActivationLayer a) {
            a.setActivationFn(activation);
        } else {
            ((BaseLayer) copy).setActivationFn(activation);
        }
        return copy;
    }
}
