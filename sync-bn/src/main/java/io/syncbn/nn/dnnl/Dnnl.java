package io.syncbn.nn.dnnl;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's oneDNN CPU engine and one stream per thread. oneDNN is loaded on first use; where it
 * cannot be (another OS or CPU architecture, a missing native library) or where the system property
 * {@value #DISABLE_PROPERTY} is {@code true}, {@link #available()} is false, says why once in the log,
 * and the layers compute with libnd4j instead.
 *
 * <p>oneDNN parallelizes with OpenMP in the calling thread's team: the thread count is that thread's
 * {@code omp_get_max_threads()} ({@link #threads()}), which the trainer limits to the cores a task
 * owns and which is capped at the machine's cores on a thread's first use (libnd4j and oneDNN share
 * one OpenMP runtime, ND4J's {@code libgomp.so.1}; the setting is per thread).
 */
public final class Dnnl {

    /** System property that turns oneDNN off ({@code -Dsyncbn.dnnl.disable=true}). */
    public static final String DISABLE_PROPERTY = "syncbn.dnnl.disable";

    private static final Logger LOG = LoggerFactory.getLogger(Dnnl.class);

    private static final ThreadLocal<stream> STREAMS = new ThreadLocal<>();

    private Dnnl() {
    }

    /** Whether oneDNN is loaded and enabled. */
    public static boolean available() {
        return Holder.ENGINE != null;
    }

    /** Why oneDNN is not used, or {@code null} when it is. */
    public static String unavailableReason() {
        return Holder.REASON;
    }

    static engine engine() {
        if (Holder.ENGINE == null) {
            throw new IllegalStateException("oneDNN is not available: " + Holder.REASON);
        }
        return Holder.ENGINE;
    }

    /**
     * This thread's stream (oneDNN streams are not shared between threads). On a thread's first use,
     * its OpenMP thread count is capped at the machine's cores: ND4J starts threads with twice that
     * (its {@code omp.threads}), and oneDNN's teams would then share each core between two threads.
     * A lower count set by the caller (a Spark task limited to its cores) is kept.
     */
    static stream stream() {
        stream s = STREAMS.get();
        if (s == null) {
            capThreadsAtCores();
            s = new stream(engine());
            STREAMS.set(s);
        }
        return s;
    }

    /** OpenMP threads of the calling thread's parallel regions, oneDNN's included (one libgomp is shared). */
    public static int threads() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    private static void capThreadsAtCores() {
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int cores = Runtime.getRuntime().availableProcessors();
        if (ops.ompGetMaxThreads() > cores) {
            ops.setOmpNumThreads(cores);
        }
    }

    /** The address of an array's first element, for a oneDNN memory handle. */
    static Pointer address(INDArray array) {
        // The buffer's address already includes the buffer's own offset (views of views), not always the array's.
        long first = array.data().addressPointer().address()
                + (array.offset() - array.data().offset()) * array.data().getElementSize();
        // A name other than Pointer's own field "address", which would shadow it in the initializer.
        return new Pointer() {
            {
                address = first;
            }
        };
    }

    /** Initialized on first use, so that merely loading the layer classes never loads native code. */
    private static final class Holder {

        private static final engine ENGINE;
        private static final String REASON;

        static {
            engine e = null;
            String reason = null;
            if (Boolean.getBoolean(DISABLE_PROPERTY)) {
                reason = "turned off by -D" + DISABLE_PROPERTY + "=true";
            } else {
                try {
                    e = new engine(engine.kind.cpu, 0);
                } catch (Throwable t) {
                    reason = "cannot load oneDNN (" + t + ")";
                }
            }
            if (reason != null) {
                LOG.warn("convolutions run on libnd4j's conv2d/conv3dnew, not oneDNN: {}", reason);
            }
            ENGINE = e;
            REASON = reason;
        }
    }
}
