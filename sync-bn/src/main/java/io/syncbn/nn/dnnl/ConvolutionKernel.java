package io.syncbn.nn.dnnl;

import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The convolution arithmetic one layer holds: float32 through oneDNN primitives kept per {@link
 * ConvGeometry} (the last {@value #CACHED} geometries: training batches, the last short batch,
 * evaluation batches), everything else — float64, and any geometry oneDNN refuses — through
 * libnd4j's ops.
 *
 * <p>Arrays are in DL4J's layouts and C-ordered (the layer makes them so); outputs are overwritten.
 * Not thread-safe, like the layer that owns it.
 */
public final class ConvolutionKernel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConvolutionKernel.class);

    /** Geometries whose primitives are kept. */
    static final int CACHED = 4;

    private final ConvolutionMode mode;
    private final boolean bias;
    private final boolean dnnl;
    private final Map<ConvGeometry, DnnlConvolution> primitives = new LinkedHashMap<>(8, 0.75f, true);
    private final Set<ConvGeometry> refused = new HashSet<>();

    /**
     * @param mode the layer's convolution mode (libnd4j computes "same" padding itself)
     * @param bias whether the layer adds a bias
     */
    public ConvolutionKernel(ConvolutionMode mode, boolean bias) {
        this(mode, bias, Dnnl.available());
    }

    /** With {@code dnnl} false, float32 also computes with libnd4j (as where oneDNN cannot load). */
    ConvolutionKernel(ConvolutionMode mode, boolean bias, boolean dnnl) {
        this.mode = mode;
        this.bias = bias;
        this.dnnl = dnnl;
    }

    /** Whether arrays of this type run on oneDNN (where it is available). */
    public static boolean usesDnnl(DataType type) {
        return type == DataType.FLOAT && Dnnl.available();
    }

    private boolean dnnlFor(DataType type) {
        return dnnl && type == DataType.FLOAT;
    }

    /** {@code y = conv(x, w) (+ b)}. */
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray b, INDArray y) {
        DnnlConvolution p = dnnlFor(x.dataType()) ? primitives(g) : null;
        if (p != null) {
            p.forward(x, w, b, y);
        } else {
            Nd4jConvolution.forward(g, mode, x, w, bias ? b : null, y);
        }
    }

    /**
     * Input gradient {@code dx}, weight gradient {@code dw} and, with bias, {@code db} from the output
     * gradient {@code dy}.
     */
    public void backward(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw, INDArray db) {
        DnnlConvolution p = dnnlFor(x.dataType()) ? primitives(g) : null;
        if (p != null) {
            p.backwardData(dy, w, dx);
            p.backwardWeights(x, dy, dw, db);
        } else {
            Nd4jConvolution.backward(g, mode, x, w, dy, dx, dw, bias ? db : null);
        }
    }

    /** What computes {@code g} in {@code type}: oneDNN's implementation names, or libnd4j. */
    public String implementation(ConvGeometry g, DataType type) {
        DnnlConvolution p = dnnlFor(type) ? primitives(g) : null;
        return p != null ? "oneDNN " + p.implementations() : "libnd4j";
    }

    /** oneDNN's primitives for {@code g}, or {@code null} when oneDNN refused to create them. */
    private DnnlConvolution primitives(ConvGeometry g) {
        if (refused.contains(g)) {
            return null;
        }
        DnnlConvolution p = primitives.get(g);
        if (p == null) {
            try {
                p = new DnnlConvolution(g, bias);
            } catch (RuntimeException e) {
                LOG.warn("oneDNN has no convolution for {} ({}); computing it with libnd4j's ops", g, e.toString());
                refused.add(g);
                return null;
            }
            primitives.put(g, p);
            if (primitives.size() > CACHED) {
                Iterator<DnnlConvolution> eldest = primitives.values().iterator();
                eldest.next().close();
                eldest.remove();
            }
        }
        return p;
    }

    /** Frees the native primitives and buffers now rather than when they are collected. */
    @Override
    public void close() {
        primitives.values().forEach(DnnlConvolution::close);
        primitives.clear();
    }
}
