package io.syncbn.nn.layers;

import io.syncbn.nn.dnnl.ConvGeometry;
import io.syncbn.nn.dnnl.ConvolutionKernel;
import io.syncbn.nn.kernel.TensorIO;
import java.util.function.Function;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The forward and backward pass shared by the 2-D and 3-D convolution layers, which extend different
 * DL4J classes: the pre-activation into the activation workspace, and the input gradient into the
 * activation-gradient workspace with the weight and bias gradients written into DL4J's gradient
 * views, all computed by one {@link ConvolutionKernel}.
 */
final class ConvolutionPasses {

    /** A parameter with DL4J's weight noise applied ({@code getParamWithNoise}). */
    @FunctionalInterface
    interface Params {
        INDArray get(String key, boolean training, LayerWorkspaceMgr workspaceMgr);
    }

    /** What the passes read from their layer. */
    record Host(Supplier<? extends ConvolutionLayer> conf, Supplier<INDArray> input, Params params,
            Function<String, INDArray> gradientViews, Function<INDArray, ConvGeometry> geometry,
            Function<LayerWorkspaceMgr, INDArray> preActivation) {
    }

    private static final String W = ConvolutionParamInitializer.WEIGHT_KEY;
    private static final String B = ConvolutionParamInitializer.BIAS_KEY;

    private final Host host;
    private final ConvolutionKernel kernel;

    ConvolutionPasses(Host host, ConvolutionKernel kernel) {
        this.host = host;
        this.kernel = kernel;
    }

    /** The pre-activation {@code conv(x, W) + b} of the layer's input. */
    INDArray forward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray w = host.params().get(W, training, workspaceMgr);
        INDArray b = host.conf().get().hasBias() ? host.params().get(B, training, workspaceMgr) : null;
        INDArray x = contiguous(host.input().get(), w.dataType());
        ConvGeometry g = host.geometry().apply(x);
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), g.outputShape(), 'c');
        kernel.forward(g, x, w, b, z);
        return z;
    }

    /** Parameter gradients (in the layer's gradient views) and the gradient of the input. */
    Pair<Gradient, INDArray> backward(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray w = host.params().get(W, true, workspaceMgr);
        INDArray x = contiguous(host.input().get(), w.dataType());
        ConvGeometry g = host.geometry().apply(x);
        IActivation activation = host.conf().get().getActivationFn();
        INDArray delta = activation instanceof ActivationIdentity ? epsilon
                : activation.backprop(host.preActivation().apply(workspaceMgr), epsilon).getFirst();
        delta = contiguous(delta, w.dataType());
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, w.dataType(), g.inputShape(), 'c');
        INDArray dw = host.gradientViews().apply(W);
        INDArray db = host.conf().get().hasBias() ? host.gradientViews().apply(B) : null;
        kernel.backward(g, x, w, delta, dx, dw, db);
        Gradient gradient = new DefaultGradient();
        if (db != null) {
            gradient.setGradientFor(B, db);
        }
        gradient.setGradientFor(W, dw, 'c');
        return new Pair<>(gradient, dx);
    }

    /** What computes this geometry (for benchmarks and logs). */
    String implementation(ConvGeometry g, DataType type) {
        return kernel.implementation(g, type);
    }

    /** {@code a} in type {@code t}, row-major without gaps (copied only when it is not). */
    static INDArray contiguous(INDArray a, DataType t) {
        INDArray c = a.dataType() == t ? a : a.castTo(t);
        return TensorIO.isStreamable(c) ? c : c.dup('c');
    }
}
