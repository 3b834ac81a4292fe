package io.syncbn.nn.kernel;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.syncbn.stats.ChannelMoments;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The float kernels give bit-identical results whether a thread limited to one OpenMP thread (a
 * Spark task) walks the tensor alone or a thread allowed several splits the channels: moments,
 * normalized output, backward sums and input gradient, for slab (NCHW 28×28), row (14×14, 7×7) and
 * long-slab (more than one block per slab) layouts.
 */
class ParallelWalkTest {

    static long[][] shapes() {
        return new long[][] {{32, 32, 28, 28}, {32, 32, 14, 14}, {32, 64, 7, 7}, {3, 5, 100, 100}};
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void oneThreadAndSeveralAgreeExactly(long[] shape) throws InterruptedException {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape).muli(3).addi(1);
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
        Result alone = onThread(1, () -> run(x, dy));
        Result split = onThread(Runtime.getRuntime().availableProcessors(), () -> run(x, dy));
        assertAll(
                () -> assertArrayEquals(alone.mean, split.mean, 0.0, "mean"),
                () -> assertArrayEquals(alone.m2, split.m2, 0.0, "M2"),
                () -> assertArrayEquals(alone.y, split.y, 0.0f, "normalized"),
                () -> assertArrayEquals(alone.sums, split.sums, 0.0, "backward sums"),
                () -> assertArrayEquals(alone.dx, split.dx, 0.0f, "input gradient"));
    }

    private record Result(double[] mean, double[] m2, float[] y, double[] sums, float[] dx) {
    }

    private static Result run(INDArray x, INDArray dy) {
        ChannelLayout layout = ChannelLayout.of(x.shape(), 1);
        int c = layout.channels();
        ChannelMoments m = BatchNormKernels.moments(layout, TensorIO.of(x));
        double[] scale = new double[c];
        double[] shift = new double[c];
        for (int i = 0; i < c; i++) {
            scale[i] = 1.0 / Math.sqrt(m.biasedVariance()[i] + 1e-5);
            shift[i] = 0.1 * i;
        }
        INDArray y = Nd4j.create(DataType.FLOAT, x.shape());
        BatchNormKernels.normalize(layout, TensorIO.of(x), TensorIO.of(y), m.mean(), scale, shift);
        double[] sums = BatchNormKernels.backwardSums(layout, TensorIO.of(x), TensorIO.of(dy), m.mean(), scale);
        INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
        BatchNormKernels.inputGradient(layout, TensorIO.of(x), TensorIO.of(dy), TensorIO.of(dx), m.mean(), scale, shift,
                scale);
        return new Result(m.mean(), m.m2(), y.data().asFloat(), sums, dx.data().asFloat());
    }

    private static Result onThread(int ompThreads, Supplier<Result> work) throws InterruptedException {
        AtomicReference<Result> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(ompThreads);
                result.set(work.get());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        return result.get();
    }
}
