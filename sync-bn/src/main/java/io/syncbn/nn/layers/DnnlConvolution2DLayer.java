package io.syncbn.nn.layers;

import io.syncbn.nn.dnnl.ConvGeometry;
import io.syncbn.nn.dnnl.ConvolutionKernel;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime layer of {@link io.syncbn.nn.conf.DnnlConvolution2D}: DL4J's convolution layer whose
 * forward and backward arithmetic is a {@link ConvolutionKernel}. Input checks, activation,
 * dropout and weight noise are DL4J's.
 */
public class DnnlConvolution2DLayer extends ConvolutionLayer {

    private static final long serialVersionUID = 1L;

    private final transient ConvolutionPasses passes;

    /** Built by {@link io.syncbn.nn.conf.DnnlConvolution2D#instantiate}. */
    public DnnlConvolution2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        // DL4J's oneDNN/cuDNN helper (when its backend has one) would compute the activation; ours does.
        helper = null;
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        passes = new ConvolutionPasses(new ConvolutionPasses.Host(this::layerConf, this::getInput, this::getParamWithNoise,
                key -> gradientViews.get(key), this::geometry, ws -> preOutput(true, true, ws).getFirst()),
                new ConvolutionKernel(c.getConvolutionMode(), c.hasBias()));
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        validateInputRank();
        validateInputDepth(layerConf().getNIn());
        return new Pair<>(passes.forward(training, workspaceMgr), null);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Pair<Gradient, INDArray> out = passes.backward(epsilon, workspaceMgr);
        weightNoiseParams.clear();
        return new Pair<>(out.getFirst(), backpropDropOutIfPresent(out.getSecond()));
    }

    /** The geometry of {@code x} under this layer's configuration (DL4J's own size checks first). */
    ConvGeometry geometry(INDArray x) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        CNN2DFormat format = c.getCnn2dDataFormat();
        ConvolutionUtils.getOutputSize(x, c.getKernelSize(), c.getStride(), c.getPadding(), c.getConvolutionMode(),
                c.getDilation(), format);
        return ConvGeometry.of(x.shape(), format == CNN2DFormat.NHWC, c.getNOut(), c.getKernelSize(), c.getStride(),
                c.getDilation(), c.getPadding(), c.getConvolutionMode());
    }

    /** What computes this layer for {@code x} (oneDNN's implementation names, or libnd4j). */
    public String implementation(INDArray x) {
        return passes.implementation(geometry(ConvolutionPasses.contiguous(x, dataType)), dataType);
    }
}
