package io.syncbn.nn.conf;

import java.util.Collection;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What every {@code instantiate} of a layer configuration here does to its new runtime layer, as DL4J's do. */
final class RuntimeLayers {

    private RuntimeLayers() {
    }

    /** Attaches listeners, index, parameter view and (initialized) parameter table to {@code layer}. */
    static <L extends BaseLayer<?>> L wire(L layer, NeuralNetConfiguration conf, ParamInitializer initializer,
            Collection<TrainingListener> listeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer.init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
