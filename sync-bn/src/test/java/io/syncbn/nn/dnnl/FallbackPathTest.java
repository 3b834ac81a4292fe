package io.syncbn.nn.dnnl;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where oneDNN cannot load (or {@code -Dsyncbn.dnnl.disable=true}), float32 convolutions compute with
 * libnd4j's ops: the same outputs and gradients as oneDNN's, 2-D and 3-D, channels first and last,
 * "same" and truncate modes (with input a window never reads), with and without bias.
 */
class FallbackPathTest {

    /** float32, two summation orders. */
    private static final double TOLERANCE = 2e-5;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(new long[] {4, 3, 9, 8}, false, 2, ConvolutionMode.Same, true),
                Arguments.of(new long[] {4, 9, 8, 20}, true, 1, ConvolutionMode.Truncate, false),
                Arguments.of(new long[] {2, 17, 9, 7}, false, 2, ConvolutionMode.Truncate, true),
                Arguments.of(new long[] {2, 3, 5, 6, 7}, false, 2, ConvolutionMode.Same, false),
                Arguments.of(new long[] {2, 5, 6, 7, 18}, true, 1, ConvolutionMode.Truncate, true));
    }

    @ParameterizedTest(name = "{0} channelsLast={1} stride {2} {3} bias={4}")
    @MethodSource("cases")
    void libnd4jMatchesOneDnnInFloat32(long[] shape, boolean channelsLast, int stride, ConvolutionMode mode,
            boolean bias) {
        int d = shape.length - 2;
        int[] kernel = d == 2 ? new int[] {3, 3} : new int[] {3, 3, 3};
        int[] strides = d == 2 ? new int[] {stride, stride} : new int[] {stride, stride, stride};
        int[] ones = d == 2 ? new int[] {1, 1} : new int[] {1, 1, 1};
        int[] zeros = new int[d];
        ConvGeometry g = ConvGeometry.of(shape, channelsLast, 6, kernel, strides, ones, zeros, mode);
        Nd4j.getRandom().setSeed(17);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        INDArray w = Nd4j.randn(DataType.FLOAT, g.weightShape());
        INDArray b = Nd4j.randn(DataType.FLOAT, 1, 6);
        INDArray dy = Nd4j.randn(DataType.FLOAT, g.outputShape());
        List<INDArray> dnnl = run(new ConvolutionKernel(mode, bias, true), g, x, w, b, dy);
        List<INDArray> nd4j = run(new ConvolutionKernel(mode, bias, false), g, x, w, b, dy);
        String[] names = {"output", "input gradient", "weight gradient", "bias gradient"};
        Executable[] checks = new Executable[bias ? 4 : 3];
        for (int i = 0; i < checks.length; i++) {
            INDArray expected = dnnl.get(i);
            INDArray actual = nd4j.get(i);
            String name = names[i];
            checks[i] = () -> {
                double scale = 1 + expected.amaxNumber().doubleValue();
                double err = expected.sub(actual).amaxNumber().doubleValue() / scale;
                assertTrue(err <= TOLERANCE, name + ": normalized error " + err);
            };
        }
        assertAll(checks);
        assertEquals("libnd4j", new ConvolutionKernel(mode, bias, false).implementation(g, DataType.FLOAT));
    }

    private static List<INDArray> run(ConvolutionKernel kernel, ConvGeometry g, INDArray x, INDArray w, INDArray b,
            INDArray dy) {
        INDArray y = Nd4j.create(DataType.FLOAT, g.outputShape());
        kernel.forward(g, x, w, b, y);
        INDArray dx = Nd4j.create(DataType.FLOAT, g.inputShape());
        INDArray dw = Nd4j.create(DataType.FLOAT, g.weightShape());
        INDArray db = Nd4j.create(DataType.FLOAT, 1, 6);
        kernel.backward(g, x, w, dy, dx, dw, db);
        kernel.close();
        return List.of(y, dx, dw, db);
    }
}
