package io.syncbn.nn.conf;

import io.syncbn.nn.layers.DnnlConvolution3DLayer;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link Convolution3D}, computed by cached oneDNN primitives ({@link io.syncbn.nn.dnnl}) in
 * float32 and by libnd4j's {@code conv3dnew} ops in float64; the 3-D counterpart of {@link
 * DnnlConvolution2D}, with DL4J's options (kernel, stride, padding, dilation, {@code
 * convolutionMode}, NCDHW/NDHWC, bias) and parameter layout
 * ({@code W} as {@code [out, in, kD, kH, kW]}, {@code b}).
 */
public class DnnlConvolution3D extends Convolution3D {

    private static final long serialVersionUID = 1L;

    /** For JSON deserialization; use the {@link Builder}. */
    public DnnlConvolution3D() {
    }

    /** This layer with the configuration of DL4J's {@code conf}. */
    public static DnnlConvolution3D of(Convolution3D conf) {
        DnnlConvolution3D out = new DnnlConvolution3D();
        ConfigFields.copy(conf.clone(), out, Convolution3D.class);
        return out;
    }

    /** DL4J's own 3-D convolution layer with this configuration. */
    public Convolution3D toDl4j() {
        Convolution3D out = new Convolution3D();
        ConfigFields.copy(clone(), out, Convolution3D.class);
        return out;
    }

    @Override
    public DnnlConvolution3D clone() {
        return (DnnlConvolution3D) super.clone();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
            INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("DnnlConvolution3D", getLayerName(), layerIndex, getNIn(), getNOut());
        return RuntimeLayers.wire(new DnnlConvolution3DLayer(conf, networkDataType), conf, initializer(), listeners, layerIndex,
                layerParamsView, initializeParams);
    }

    /** DL4J's {@link Convolution3D.Builder}, building this layer. */
    public static class Builder extends Convolution3D.Builder {

        /** Kernel size (depth, height, width). */
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        /** DL4J's validation, then this layer with that configuration. */
        @Override
        @SuppressWarnings("unchecked")
        public DnnlConvolution3D build() {
            return of(super.build());
        }
    }
}
