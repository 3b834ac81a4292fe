package io.syncbn.nn.conf;

import io.syncbn.nn.layers.DnnlConvolution2DLayer;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's 2-D {@link ConvolutionLayer}, computed by oneDNN primitives that are created once per input
 * shape and kept ({@link io.syncbn.nn.dnnl}), instead of DL4J's im2col and GEMM. Everything else is
 * DL4J's: the options of {@link ConvolutionLayer.Builder} (kernel, stride, padding, dilation,
 * convolution mode, NCHW/NHWC, bias, activation, weight init, updaters, dropout, weight noise), the
 * parameter layout ({@code W} as {@code [out, in, kH, kW]}, {@code b}), JSON and {@code
 * ModelSerializer} round trips, use in {@code MultiLayerNetwork} and {@code ComputationGraph}.
 * Float64 networks compute with libnd4j's {@code conv2d} ops (oneDNN has no float64 convolution).
 *
 * <p>{@link #of(ConvolutionLayer)} and {@link #toDl4j()} convert to and from DL4J's layer with the
 * same parameters ({@code io.syncbn.convert.LayerConversion} does it for whole networks).
 */
public class DnnlConvolution2D extends ConvolutionLayer {

    private static final long serialVersionUID = 1L;

    /** For JSON deserialization; use the {@link Builder}. */
    public DnnlConvolution2D() {
    }

    /** This layer with the configuration of DL4J's {@code conf}. */
    public static DnnlConvolution2D of(ConvolutionLayer conf) {
        DnnlConvolution2D out = new DnnlConvolution2D();
        ConfigFields.copy(conf.clone(), out, ConvolutionLayer.class);
        return out;
    }

    /** DL4J's own convolution layer with this configuration. */
    public ConvolutionLayer toDl4j() {
        ConvolutionLayer out = new ConvolutionLayer();
        ConfigFields.copy(clone(), out, ConvolutionLayer.class);
        return out;
    }

    @Override
    public DnnlConvolution2D clone() {
        return (DnnlConvolution2D) super.clone();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
            INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("DnnlConvolution2D", getLayerName(), layerIndex, getNIn(), getNOut());
        return RuntimeLayers.wire(new DnnlConvolution2DLayer(conf, networkDataType), conf, initializer(), listeners, layerIndex,
                layerParamsView, initializeParams);
    }

    /** DL4J's {@link ConvolutionLayer.Builder}, building this layer. */
    public static class Builder extends ConvolutionLayer.Builder {

        /** Kernel size (height, width). */
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        /** Kernel size and stride. */
        public Builder(int[] kernelSize, int[] stride) {
            super(kernelSize, stride);
        }

        /** Kernel size, stride and padding. */
        public Builder(int[] kernelSize, int[] stride, int[] padding) {
            super(kernelSize, stride, padding);
        }

        /** DL4J's validation, then this layer with that configuration. */
        @Override
        @SuppressWarnings("unchecked")
        public DnnlConvolution2D build() {
            return of(super.build());
        }
    }
}
