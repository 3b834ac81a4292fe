package io.syncbn.convert;

import java.util.Map;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rebuilding a network with some layer configurations replaced: the configuration copy, then a new
 * network whose parameters come from the old one layer by layer (by name, through a {@link
 * ParamSource} for parameters that are stored differently), and whose updater state is kept when its
 * layout is unchanged.
 */
final class NetworkRewrite {

    /** The value in {@code from} that becomes parameter {@code key} (shaped like {@code dst}) of the new layer. */
    @FunctionalInterface
    interface ParamSource {
        INDArray value(Layer from, Map<String, INDArray> params, String key, INDArray dst);
    }

    private NetworkRewrite() {
    }

    static MultiLayerConfiguration replaceLayers(MultiLayerConfiguration conf,
            UnaryOperator<org.deeplearning4j.nn.conf.layers.Layer> replace) {
        MultiLayerConfiguration copy = conf.clone();
        for (NeuralNetConfiguration layerConf : copy.getConfs()) {
            layerConf.setLayer(replace.apply(layerConf.getLayer()));
        }
        return copy;
    }

    static ComputationGraphConfiguration replaceLayers(ComputationGraphConfiguration conf,
            UnaryOperator<org.deeplearning4j.nn.conf.layers.Layer> replace) {
        ComputationGraphConfiguration copy = conf.clone();
        for (GraphVertex v : copy.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                lv.getLayerConf().setLayer(replace.apply(lv.getLayerConf().getLayer()));
            }
        }
        return copy;
    }

    static MultiLayerNetwork convert(MultiLayerNetwork src, MultiLayerConfiguration conf, ParamSource source) {
        MultiLayerNetwork dst = new MultiLayerNetwork(conf);
        dst.init();
        Layer[] from = src.getLayers();
        Layer[] to = dst.getLayers();
        for (int i = 0; i < to.length; i++) {
            copyParams(from[i], to[i], source);
        }
        copyUpdaterState(src.getUpdater() == null ? null : src.getUpdater().getStateViewArray(),
                dst.getUpdater() == null ? null : dst.getUpdater().getStateViewArray());
        return dst;
    }

    static ComputationGraph convert(ComputationGraph src, ComputationGraphConfiguration conf, ParamSource source) {
        ComputationGraph dst = new ComputationGraph(conf);
        dst.init();
        for (Layer to : dst.getLayers()) {
            copyParams(src.getLayer(to.conf().getLayer().getLayerName()), to, source);
        }
        copyUpdaterState(src.getUpdater() == null ? null : src.getUpdater().getStateViewArray(),
                dst.getUpdater() == null ? null : dst.getUpdater().getStateViewArray());
        return dst;
    }

    private static void copyUpdaterState(INDArray from, INDArray to) {
        if (from != null && to != null && from.length() == to.length()) {
            to.assign(from);
        }
    }

    private static void copyParams(Layer from, Layer to, ParamSource source) {
        Map<String, INDArray> src = from.paramTable();
        for (Map.Entry<String, INDArray> e : to.paramTable().entrySet()) {
            e.getValue().assign(source.value(from, src, e.getKey(), e.getValue()));
        }
    }
}
