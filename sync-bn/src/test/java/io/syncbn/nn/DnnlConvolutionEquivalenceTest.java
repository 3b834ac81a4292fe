package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.dnnl.Dnnl;
import io.syncbn.testing.ShardRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link DnnlConvolution2D} computes what DL4J's {@link ConvolutionLayer} computes on the same
 * parameters: outputs (training and inference), input gradients, weight and bias gradients. Cases:
 * NCHW and NHWC; truncate mode with trailing input no window reads (9 wide, kernel 3, stride 2, no
 * padding: one column dropped), same mode with odd and even sizes and strides 1 and 2 (asymmetric
 * padding), strict mode; dilation 2; with and without bias; identity, ReLU and tanh activations;
 * float32 (oneDNN) and float64 (libnd4j); batch sizes 1 and 5.
 */
class DnnlConvolutionEquivalenceTest {

    private static final double DOUBLE_TOLERANCE = 1e-10;
    private static final double FLOAT_TOLERANCE = 2e-5;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (CNN2DFormat format : CNN2DFormat.values()) {
                cases.add(Arguments.of(dt, format, ConvolutionMode.Truncate, 3, 2, 1, 0, true, Activation.IDENTITY, 5, 9));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Truncate, 3, 1, 1, 1, false, Activation.RELU, 5, 8));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Truncate, 3, 2, 2, 2, true, Activation.TANH, 2, 11));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Same, 3, 2, 1, 0, false, Activation.IDENTITY, 5, 8));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Same, 4, 2, 1, 0, true, Activation.IDENTITY, 1, 9));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Same, 3, 1, 2, 0, true, Activation.RELU, 3, 7));
                cases.add(Arguments.of(dt, format, ConvolutionMode.Strict, 3, 2, 1, 1, false, Activation.IDENTITY, 3, 9));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} k{3} s{4} d{5} p{6} bias={7} {8} N={9} size={10}")
    @MethodSource("cases")
    void matchesDl4jConvolution(DataType dt, CNN2DFormat format, ConvolutionMode mode, int k, int s, int d, int p,
            boolean bias, Activation activation, int batch, int size) {
        int in = 3;
        int out = 4;
        ConvolutionLayer dl4jConf = new ConvolutionLayer.Builder(k, k).stride(s, s).dilation(d, d).padding(p, p)
                .convolutionMode(mode).nIn(in).nOut(out).hasBias(bias).activation(activation).dataFormat(format).build();
        Layer dl4j = Dl4jEquivalenceTest.standalone(dl4jConf, dt);
        Layer ours = Dl4jEquivalenceTest.standalone(DnnlConvolution2D.of(dl4jConf), dt);
        ours.setParams(dl4j.params());
        long[] shape = format == CNN2DFormat.NCHW ? new long[] {batch, in, size, size - 2}
                : new long[] {batch, size, size - 2, in};
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape).castTo(dt);

        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        double tol = dt == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
        List<Executable> checks = new ArrayList<>();
        dl4j.setInput(x, ws);
        ours.setInput(x, ws);
        checks.add(close(dl4j.activate(false, ws), ours.activate(false, ws), tol, "inference output"));
        dl4j.setInput(x, ws);
        ours.setInput(x, ws);
        INDArray yDl4j = dl4j.activate(true, ws);
        INDArray yOurs = ours.activate(true, ws);
        assertArrayEquals(yDl4j.shape(), yOurs.shape(), "output shape");
        checks.add(close(yDl4j, yOurs, tol, "training output"));
        INDArray dy = Nd4j.randn(DataType.DOUBLE, yDl4j.shape()).castTo(dt);
        Pair<Gradient, INDArray> gDl4j = dl4j.backpropGradient(dy.dup(), ws);
        Pair<Gradient, INDArray> gOurs = ours.backpropGradient(dy.dup(), ws);
        checks.add(close(gDl4j.getSecond(), gOurs.getSecond(), tol, "input gradient"));
        checks.add(close(gDl4j.getFirst().getGradientFor("W"), gOurs.getFirst().getGradientFor("W"), tol, "W gradient"));
        if (bias) {
            checks.add(close(gDl4j.getFirst().getGradientFor("b"), gOurs.getFirst().getGradientFor("b"), tol, "b gradient"));
        }
        checks.add(close(dl4j.getGradientsViewArray(), ours.getGradientsViewArray(), tol, "gradient view"));
        assertAll(checks);
    }

    /** The float32 path is oneDNN on this project's platform (linux-x86_64), not the fallback. */
    @Test
    void oneDnnIsLoaded() {
        assertTrue(Dnnl.available(), "oneDNN did not load: " + Dnnl.unavailableReason());
    }

    static Executable close(INDArray expected, INDArray actual, double tol, String what) {
        return () -> {
            assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
            double err = ShardRunner.normalizedError(ShardRunner.flat(expected), ShardRunner.flat(actual));
            assertTrue(err <= tol, what + ": normalized error " + err + " > " + tol);
        };
    }
}
