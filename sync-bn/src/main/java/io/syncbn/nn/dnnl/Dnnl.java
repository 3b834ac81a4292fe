package io.syncbn.nn.dnnl;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's oneDNN CPU engine and one stream per thread. oneDNN is loaded on first use; where it
 * cannot be (another OS or CPU architecture, a missing native library) or where the system property
 * {@value #DISABLE_PROPERTY} is {@code true}, {@link #available()} is false, says why once in the log,
 * and the layers compute with libnd4j instead.
 *
 * <p>oneDNN parallelizes with OpenMP in the calling thread's team: the thread count is that thread's
 * {@code omp_get_max_threads()}, which the trainer limits to the cores a task owns (libnd4j and oneDNN
 * share one OpenMP runtime, {@code libgomp.so.1}).
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

    /** This thread's stream (oneDNN streams are not shared between threads). */
    static stream stream() {
        stream s = STREAMS.get();
        if (s == null) {
            s = new stream(engine());
            STREAMS.set(s);
        }
        return s;
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
