package io.syncbn.nn.dnnl;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Convolution with libnd4j's custom ops ({@code conv2d}/{@code conv2d_bp}, {@code
 * conv3dnew}/{@code conv3dnew_bp}): the float64 path (oneDNN has no float64 convolution) and the
 * path wherever oneDNN is unavailable. Weights in DL4J's {@code [out, in, kernel...]} order are
 * passed as they are (libnd4j's weight format 1).
 */
final class Nd4jConvolution {

    /** libnd4j's weight format {@code [oC, iC, k...]}. */
    private static final int WEIGHTS_OIK = 1;

    private Nd4jConvolution() {
    }

    static void forward(ConvGeometry g, ConvolutionMode mode, INDArray x, INDArray w, INDArray b, INDArray y) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder(g.spatialRank() == 2 ? "conv2d" : "conv3dnew")
                .addIntegerArguments(intArgs(g, mode));
        if (b != null) {
            op.addInputs(x, w, b.reshape(b.length()));
        } else {
            op.addInputs(x, w);
        }
        Nd4j.exec(op.addOutputs(y).build());
    }

    static void backward(ConvGeometry g, ConvolutionMode mode, INDArray x, INDArray w, INDArray dy, INDArray dx,
            INDArray dw, INDArray db) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp
                .builder(g.spatialRank() == 2 ? "conv2d_bp" : "conv3dnew_bp").addIntegerArguments(intArgs(g, mode));
        if (db != null) {
            op.addInputs(x, w, db.reshape(db.length()), dy).addOutputs(dx, dw, db.reshape(db.length()));
        } else {
            op.addInputs(x, w, dy).addOutputs(dx, dw);
        }
        Nd4j.exec(op.build());
    }

    /**
     * {@code conv2d}: kH, kW, sH, sW, pH, pW, dH, dW, same, NHWC?, wFormat; {@code conv3dnew}: kD, kH,
     * kW, sD, sH, sW, pD, pH, pW, dD, dH, dW, same, NDHWC?, wFormat.
     */
    private static int[] intArgs(ConvGeometry g, ConvolutionMode mode) {
        int d = g.spatialRank();
        int[] args = new int[4 * d + 3];
        long[] k = g.kernel();
        long[] s = g.stride();
        long[] p = g.padBegin();
        long[] dil = g.dilation();
        for (int i = 0; i < d; i++) {
            args[i] = Math.toIntExact(k[i]);
            args[d + i] = Math.toIntExact(s[i]);
            args[2 * d + i] = mode == ConvolutionMode.Same ? 0 : Math.toIntExact(p[i]);
            args[3 * d + i] = Math.toIntExact(dil[i]);
        }
        args[4 * d] = mode == ConvolutionMode.Same ? 1 : 0;
        args[4 * d + 1] = g.channelsLast() ? 1 : 0;
        args[4 * d + 2] = WEIGHTS_OIK;
        return args;
    }
}
