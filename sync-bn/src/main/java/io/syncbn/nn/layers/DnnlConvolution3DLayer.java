package io.syncbn.nn.layers;

import io.syncbn.nn.dnnl.ConvGeometry;
import io.syncbn.nn.dnnl.ConvolutionKernel;
import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.Convolution3DLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.Convolution3DUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime layer of {@link io.syncbn.nn.conf.DnnlConvolution3D}: DL4J's 3-D convolution layer
 * whose arithmetic is a {@link ConvolutionKernel}; activation, dropout and weight noise are DL4J's.
 */
public class DnnlConvolution3DLayer extends Convolution3DLayer {

    private static final long serialVersionUID = 1L;

    private final transient ConvolutionPasses passes;

    /** Built by {@link io.syncbn.nn.conf.DnnlConvolution3D#instantiate}. */
    public DnnlConvolution3DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        helper = null;
        Convolution3D c = (Convolution3D) layerConf();
        passes = new ConvolutionPasses(new ConvolutionPasses.Host(this::layerConf, this::getInput, this::getParamWithNoise,
                key -> gradientViews.get(key), this::geometry, ws -> preOutput(true, true, ws).getFirst()),
                new ConvolutionKernel(c.getConvolutionMode(), c.hasBias()));
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        return new Pair<>(passes.forward(training, workspaceMgr), null);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Pair<Gradient, INDArray> out = passes.backward(epsilon, workspaceMgr);
        weightNoiseParams.clear();
        return new Pair<>(out.getFirst(), backpropDropOutIfPresent(out.getSecond()));
    }

    /** What computes this layer for {@code x} (oneDNN's implementation names, or libnd4j). */
    public String implementation(INDArray x) {
        return passes.implementation(geometry(ConvolutionPasses.contiguous(x, dataType)), dataType);
    }

    /** The geometry of {@code x} under this layer's configuration, after DL4J's own checks. */
    ConvGeometry geometry(INDArray x) {
        Convolution3D c = (Convolution3D) layerConf();
        boolean ncdhw = c.getDataFormat() == Convolution3D.DataFormat.NCDHW;
        if (x.rank() != 5) {
            throw new DL4JInvalidInputException("3-D convolution layer " + layerId() + " needs a rank 5 input ("
                    + c.getDataFormat() + "), but got shape " + Arrays.toString(x.shape()));
        }
        long channels = x.size(ncdhw ? 1 : 4);
        if (channels != c.getNIn()) {
            throw new DL4JInvalidInputException("3-D convolution layer " + layerId() + " expects " + c.getNIn()
                    + " input channels (" + c.getDataFormat() + "), but the input has " + channels + ": shape "
                    + Arrays.toString(x.shape()));
        }
        Convolution3DUtils.get3DOutputSize(x, c.getKernelSize(), c.getStride(), c.getPadding(), c.getConvolutionMode(),
                c.getDilation(), ncdhw);
        return ConvGeometry.of(x.shape(), !ncdhw, c.getNOut(), c.getKernelSize(), c.getStride(), c.getDilation(),
                c.getPadding(), c.getConvolutionMode());
    }
}
