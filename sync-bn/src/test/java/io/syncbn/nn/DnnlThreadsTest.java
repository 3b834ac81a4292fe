package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.dnnl.Dnnl;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The OpenMP threads oneDNN uses are the calling thread's: more than the machine's cores are capped at
 * the cores on a thread's first convolution, fewer (a Spark task limited to its one core) are kept,
 * and other threads are not touched.
 */
class DnnlThreadsTest {

    @Test
    void oversubscribedThreadIsCappedAtCores() throws InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores, threadsAfterConvolution(2 * cores + 1), "capped at the cores");
    }

    @Test
    void taskLimitIsKept() throws InterruptedException {
        assertEquals(1, threadsAfterConvolution(1), "a task's limit of 1");
    }

    /** Threads of a fresh thread that asked for {@code requested} threads and then ran a convolution. */
    private static int threadsAfterConvolution(int requested) throws InterruptedException {
        Nd4j.create(1);
        AtomicInteger seen = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(requested);
                Layer conv = Dl4jEquivalenceTest.standalone(DnnlConvolution2D.of(
                        new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nIn(2).nOut(16)
                                .activation(Activation.IDENTITY).build()), DataType.FLOAT);
                conv.setInput(Nd4j.rand(DataType.FLOAT, 2, 2, 6, 6), LayerWorkspaceMgr.noWorkspaces());
                conv.activate(true, LayerWorkspaceMgr.noWorkspaces());
                seen.set(Dnnl.threads());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("convolution failed", failure.get());
        }
        return seen.get();
    }
}
