package io.syncbn.convert;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of {@link BatchNormFolding}: which layer pairs fold, and the folded weights and bias
 * of DL4J's {@code ConvolutionLayer} (weights {@code [out, in, kH, kW]}) and {@code DenseLayer}
 * (weights {@code [in, out]}), computed in float64.
 */
final class FoldArithmetic {

    private FoldArithmetic() {
    }

    /** Why BN {@code bn} cannot fold into {@code linear}, or {@code null} if it can. */
    static String whyNot(org.deeplearning4j.nn.conf.layers.Layer linear, BatchNormalization bn) {
        if (linear.getClass() != ConvolutionLayer.class && linear.getClass() != DenseLayer.class) {
            return "the layer before it is " + linear.getClass().getSimpleName() + ", not ConvolutionLayer "
                    + "or DenseLayer";
        }
        org.deeplearning4j.nn.conf.layers.BaseLayer base = (org.deeplearning4j.nn.conf.layers.BaseLayer) linear;
        if (!(base.getActivationFn() instanceof ActivationIdentity)) {
            return "the layer before it applies " + base.getActivationFn() + " (BN folds only into a linear layer, "
                    + "BN before the nonlinearity)";
        }
        if (linear instanceof ConvolutionLayer conv && conv.getCnn2dDataFormat() != bn.getCnn2DFormat()) {
            return "the convolution writes " + conv.getCnn2dDataFormat() + " but the BN layer reads "
                    + bn.getCnn2DFormat();
        }
        return null;
    }

    /** A copy of {@code layer} (a convolution or dense layer) with a bias. */
    static org.deeplearning4j.nn.conf.layers.Layer withBias(org.deeplearning4j.nn.conf.layers.Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer copy = layer.clone();
        if (copy instanceof ConvolutionLayer conv) {
            conv.setHasBias(true);
        } else if (copy instanceof DenseLayer dense) {
            dense.setHasBias(true);
        }
        return copy;
    }

    /** Writes the parameters of {@code linear} followed by {@code bn} into {@code to}, the layer with a bias. */
    static void fold(Layer linear, Layer bn, Layer to) {
        BatchNormalization conf = (BatchNormalization) bn.conf().getLayer();
        double[] scale = perChannel(bn, BatchNormalizationParamInitializer.GAMMA, conf.getGamma());
        double[] shift = perChannel(bn, BatchNormalizationParamInitializer.BETA, conf.getBeta());
        double[] mean = bn.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).castTo(DataType.DOUBLE)
                .reshape(-1).toDoubleVector();
        double[] variance = runningVariance(bn);
        for (int c = 0; c < scale.length; c++) {
            scale[c] /= Math.sqrt(variance[c] + conf.getEps());
            shift[c] -= mean[c] * scale[c];
        }
        INDArray w = linear.getParam("W").castTo(DataType.DOUBLE).dup();
        INDArray s = Nd4j.createFromArray(scale);
        if (linear.conf().getLayer() instanceof ConvolutionLayer) {
            w.reshape(w.size(0), w.length() / w.size(0)).muliColumnVector(s.reshape(scale.length, 1));
        } else {
            w.muliRowVector(s.reshape(1, scale.length));
        }
        INDArray b = linear.paramTable().containsKey("b") ? linear.getParam("b").castTo(DataType.DOUBLE).reshape(-1)
                .dup() : Nd4j.zeros(DataType.DOUBLE, scale.length);
        b.muli(s).addi(Nd4j.createFromArray(shift));
        to.setParam("W", w.castTo(to.getParam("W").dataType()));
        to.setParam("b", b.reshape(to.getParam("b").shape()).castTo(to.getParam("b").dataType()));
    }

    private static double[] perChannel(Layer bn, String key, double fixed) {
        if (bn.paramTable().containsKey(key)) {
            return bn.getParam(key).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        }
        double[] v = new double[(int) ((BatchNormalization) bn.conf().getLayer()).getNOut()];
        java.util.Arrays.fill(v, fixed);
        return v;
    }

    /** The running variance, also when DL4J stores it as log10 of the standard deviation. */
    private static double[] runningVariance(Layer bn) {
        if (bn.paramTable().containsKey(BatchNormalizationParamInitializer.GLOBAL_VAR)) {
            return bn.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).castTo(DataType.DOUBLE).reshape(-1)
                    .toDoubleVector();
        }
        double[] log10Std = bn.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).castTo(DataType.DOUBLE)
                .reshape(-1).toDoubleVector();
        double[] v = new double[log10Std.length];
        for (int c = 0; c < v.length; c++) {
            double std = Math.pow(10, log10Std[c]);
            v[c] = std * std;
        }
        return v;
    }
}
