package io.syncbn.convert;

import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.conf.DnnlConvolution3D;
import io.syncbn.nn.conf.SyncBatchNormalization;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Every layer of this project to or from its DL4J counterpart, with parameters and updater state:
 * {@link SyncBatchNormalization} ↔ DL4J's {@link BatchNormalization} (as {@link BatchNormConversion}
 * does), {@link DnnlConvolution2D} ↔ DL4J's 2-D {@link ConvolutionLayer} and {@link DnnlConvolution3D}
 * ↔ DL4J's {@link Convolution3D} (same configuration and parameter layout). {@code toDl4j} gives a network that plain DL4J loads without this project's jar
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
        return NetworkRewrite.replaceLayers(BatchNormConversion.toDl4j(conf), LayerConversion::convolutionToDl4j);
    }

    /** A copy of {@code conf} with DL4J's layers only. */
    public static ComputationGraphConfiguration toDl4j(ComputationGraphConfiguration conf) {
        return NetworkRewrite.replaceLayers(BatchNormConversion.toDl4j(conf), LayerConversion::convolutionToDl4j);
    }

    /** A copy of {@code conf} with this project's layers where it has them. */
    public static MultiLayerConfiguration toProject(MultiLayerConfiguration conf) {
        return NetworkRewrite.replaceLayers(BatchNormConversion.toSync(conf), LayerConversion::convolutionToProject);
    }

    /** A copy of {@code conf} with this project's layers where it has them. */
    public static ComputationGraphConfiguration toProject(ComputationGraphConfiguration conf) {
        return NetworkRewrite.replaceLayers(BatchNormConversion.toSync(conf), LayerConversion::convolutionToProject);
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

    /** Whether {@code layer} is one of this project's layers (and needs its jar to load). */
    public static boolean isProjectLayer(Layer layer) {
        return layer instanceof SyncBatchNormalization || layer instanceof DnnlConvolution2D
                || layer instanceof DnnlConvolution3D;
    }

    private static Layer convolutionToDl4j(Layer layer) {
        if (layer instanceof DnnlConvolution2D c) {
            return c.toDl4j();
        }
        return layer instanceof DnnlConvolution3D c ? c.toDl4j() : layer;
    }

    private static Layer convolutionToProject(Layer layer) {
        if (layer.getClass() == ConvolutionLayer.class) {
            return DnnlConvolution2D.of((ConvolutionLayer) layer);
        }
        return layer.getClass() == Convolution3D.class ? DnnlConvolution3D.of((Convolution3D) layer) : layer;
    }
}
