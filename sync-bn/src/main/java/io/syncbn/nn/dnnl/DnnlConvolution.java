package io.syncbn.nn.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The three oneDNN convolution primitives of one float32 {@link ConvGeometry}, created once and run
 * many times, as deep-learning frameworks do (PyTorch keeps them in ideep's cache): forward, backward
 * to the input and backward to the weights (and bias).
 *
 * <p>Arrays cross the boundary in DL4J's layouts ({@code [N, C, spatial...]} or channels last,
 * C-ordered; weights {@code [out, in, kernel...]}), wrapped without copying. Inside, the forward and
 * input-gradient primitives use the blocked layouts oneDNN prefers ({@code format_tag::any}), reached
 * by reorders into buffers this object owns; the weight-gradient primitive (and every primitive of
 * layers with fewer than 16 input channels) runs on the plain layouts, which oneDNN's GEMM-based
 * kernel handles faster here than the blocked one with its reorders (fmnist-cnn's second convolution
 * at batch 32: 1.6 ms against 4.0 ms). Trailing input that no window reads ({@link
 * ConvGeometry#cropped()}) is described away with strides, and its input gradient is zero.
 *
 * <p>Not thread-safe: one layer, one thread at a time (as DL4J runs layers). Execution is synchronous
 * on the calling thread's stream.
 */
final class DnnlConvolution implements AutoCloseable {

    /** oneDNN's channel block for AVX-512 float32 layouts. */
    private static final long BLOCK = 16;

    private final ConvGeometry geometry;
    private final boolean bias;
    private final List<Pointer> owned = new ArrayList<>();

    private final memory src;
    private final memory weights;
    private final memory biasMem;
    private final memory dst;
    private final memory diffDst;
    private final memory diffSrc;
    private final memory diffWeights;
    private final memory diffBias;

    private final Step forward;
    private final Step backwardData;
    private final Step backwardWeights;

    /** @throws RuntimeException when oneDNN makes no primitive for {@code geometry} (nothing is kept) */
    DnnlConvolution(ConvGeometry geometry, boolean bias) {
        try {
            this.geometry = geometry;
            this.bias = bias;
            engine eng = Dnnl.engine();
            memory.desc srcDesc = activationDesc(geometry, geometry.inChannels(), geometry.in(), geometry.crop());
            memory.desc dstDesc = activationDesc(geometry, geometry.outChannels(), geometry.out(),
                    new long[geometry.spatialRank()]);
            long[] weightShape = geometry.weightShape();
            memory.desc weightsDesc = own(new memory.desc(weightShape, memory.data_type.f32, cOrderStrides(weightShape)));
            memory.desc biasDesc = own(new memory.desc(new long[] {geometry.outChannels()}, memory.data_type.f32,
                    new long[] {1}));
            src = user(srcDesc, eng);
            weights = user(weightsDesc, eng);
            biasMem = user(biasDesc, eng);
            dst = user(dstDesc, eng);
            diffDst = user(dstDesc, eng);
            diffSrc = user(srcDesc, eng);
            diffWeights = user(weightsDesc, eng);
            diffBias = user(biasDesc, eng);

            // Few input channels (a network's first layer): the blocked kernels pad them to a block of 16
            // and do up to 16 times the work; the plain GEMM kernels do not (fmnist-cnn's first layer at
            // batch 32 here: forward 0.21 ms against 0.26, input gradient 0.45 against 1.3).
            boolean plain = geometry.inChannels() < BLOCK;
            memory.desc anySrc = plain ? srcDesc
                    : own(new memory.desc(dims(srcDesc), memory.data_type.f32, memory.format_tag.any));
            memory.desc anyDst = plain ? dstDesc
                    : own(new memory.desc(dims(dstDesc), memory.data_type.f32, memory.format_tag.any));
            memory.desc anyWeights = plain ? weightsDesc
                    : own(new memory.desc(geometry.weightShape(), memory.data_type.f32, memory.format_tag.any));
            long[] strides = geometry.stride();
            long[] dilation = dnnlDilation(geometry.dilation());
            long[] padL = geometry.padBegin();
            long[] padR = nonNegative(geometry.padEnd());

            convolution_forward.primitive_desc fwd = own(new convolution_forward.primitive_desc(own(bias
                    ? new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct, anySrc,
                            anyWeights, biasDesc, anyDst, strides, dilation, padL, padR)
                    : new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct, anySrc,
                            anyWeights, anyDst, strides, dilation, padL, padR)), eng));
            forward = new Step(own(new convolution_forward(fwd)), fwd.impl_info_str().getString());
            forward.in(DNNL_ARG_SRC, src, fwd.src_desc());
            forward.in(DNNL_ARG_WEIGHTS, weights, fwd.weights_desc());
            if (bias) {
                forward.in(DNNL_ARG_BIAS, biasMem, fwd.bias_desc());
            }
            forward.out(DNNL_ARG_DST, dst, fwd.dst_desc());

            convolution_backward_data.primitive_desc bwdData = own(new convolution_backward_data.primitive_desc(
                    own(new convolution_backward_data.desc(algorithm.convolution_direct, anySrc, anyWeights, anyDst, strides,
                            dilation, padL, padR)), eng, fwd));
            backwardData = new Step(own(new convolution_backward_data(bwdData)), bwdData.impl_info_str().getString());
            backwardData.in(DNNL_ARG_DIFF_DST, diffDst, bwdData.diff_dst_desc());
            backwardData.in(DNNL_ARG_WEIGHTS, weights, bwdData.weights_desc());
            backwardData.out(DNNL_ARG_DIFF_SRC, diffSrc, bwdData.diff_src_desc());

            convolution_backward_weights.primitive_desc bwdWeights = own(new convolution_backward_weights.primitive_desc(
                    own(bias
                            ? new convolution_backward_weights.desc(algorithm.convolution_direct, srcDesc, weightsDesc,
                                    biasDesc, dstDesc, strides, dilation, padL, padR)
                            : new convolution_backward_weights.desc(algorithm.convolution_direct, srcDesc, weightsDesc,
                                    dstDesc, strides, dilation, padL, padR)), eng, fwd));
            backwardWeights = new Step(own(new convolution_backward_weights(bwdWeights)),
                    bwdWeights.impl_info_str().getString());
            backwardWeights.in(DNNL_ARG_SRC, src, bwdWeights.src_desc());
            backwardWeights.in(DNNL_ARG_DIFF_DST, diffDst, bwdWeights.diff_dst_desc());
            backwardWeights.out(DNNL_ARG_DIFF_WEIGHTS, diffWeights, bwdWeights.diff_weights_desc());
            if (bias) {
                backwardWeights.out(DNNL_ARG_DIFF_BIAS, diffBias, bwdWeights.diff_bias_desc());
            }
    
        } catch (RuntimeException e) {
            // Whatever was created so far is freed; the caller falls back to libnd4j.
            close();
            throw e;
        }
    }

    /** Implementation names oneDNN chose (forward, input gradient, weight gradient), for benchmarks and logs. */
    String implementations() {
        return forward.name() + " / " + backwardData.name() + " / " + backwardWeights.name();
    }

    /** {@code y = conv(x, w) + b}; {@code b} is ignored without bias. */
    void forward(INDArray x, INDArray w, INDArray b, INDArray y) {
        check(x, y);
        src.set_data_handle(Dnnl.address(x));
        weights.set_data_handle(Dnnl.address(w));
        if (bias) {
            biasMem.set_data_handle(Dnnl.address(b));
        }
        dst.set_data_handle(Dnnl.address(y));
        forward.run();
    }

    /** {@code dx = conv_backward_data(dy, w)}. */
    void backwardData(INDArray dy, INDArray w, INDArray dx) {
        check(dy, dx);
        if (geometry.cropped()) {
            dx.assign(0);
        }
        diffDst.set_data_handle(Dnnl.address(dy));
        weights.set_data_handle(Dnnl.address(w));
        diffSrc.set_data_handle(Dnnl.address(dx));
        backwardData.run();
    }

    /** {@code dw = conv_backward_weights(x, dy)} and, with bias, {@code db = sum(dy)}; both overwritten. */
    void backwardWeights(INDArray x, INDArray dy, INDArray dw, INDArray db) {
        check(x, dy);
        src.set_data_handle(Dnnl.address(x));
        diffDst.set_data_handle(Dnnl.address(dy));
        diffWeights.set_data_handle(Dnnl.address(dw));
        if (bias) {
            diffBias.set_data_handle(Dnnl.address(db));
        }
        backwardWeights.run();
    }

    private static void check(INDArray a, INDArray b) {
        if (a.dataType() != DataType.FLOAT || b.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("oneDNN convolution takes float32 arrays, but got " + a.dataType() + " and "
                    + b.dataType());
        }
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }

    private <P extends Pointer> P own(P pointer) {
        owned.add(pointer);
        return pointer;
    }

    private memory user(memory.desc desc, engine eng) {
        return own(new memory(desc, eng, (Pointer) null));
    }

    /** Activations in logical order {@code [N, C, spatial...]}, strides of the layout's C-ordered array. */
    private memory.desc activationDesc(ConvGeometry g, long channels, long[] spatial, long[] crop) {
        int d = spatial.length;
        long[] dims = new long[d + 2];
        long[] strides = new long[d + 2];
        dims[0] = g.batch();
        dims[1] = channels;
        long inner = g.channelsLast() ? channels : 1;
        for (int i = d - 1; i >= 0; i--) {
            dims[2 + i] = spatial[i] - crop[i];
            strides[2 + i] = inner;
            inner *= spatial[i];
        }
        if (g.channelsLast()) {
            strides[1] = 1;
            strides[0] = inner;
        } else {
            strides[1] = inner;
            strides[0] = inner * channels;
        }
        return own(new memory.desc(dims, memory.data_type.f32, strides));
    }

    private static long[] dims(memory.desc desc) {
        long[] dims = new long[(int) desc.data().ndims()];
        desc.dims().get(dims);
        return dims;
    }

    static long[] cOrderStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /** oneDNN counts dilation as the gap between taps (0 = none); DL4J as the tap distance (1 = none). */
    private static long[] dnnlDilation(long[] dl4j) {
        long[] d = new long[dl4j.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = dl4j[i] - 1;
        }
        return d;
    }

    private static long[] nonNegative(long[] v) {
        long[] r = new long[v.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.max(0, v[i]);
        }
        return r;
    }

    /** One primitive with its arguments, and the reorders between the caller's layouts and its own. */
    private final class Step {

        private final primitive primitive;
        private final String name;
        private final IntMemoryMap args = own(new IntMemoryMap());
        private final List<reorder> before = new ArrayList<>();
        private final List<memory[]> beforeArgs = new ArrayList<>();
        private final List<reorder> after = new ArrayList<>();
        private final List<memory[]> afterArgs = new ArrayList<>();

        Step(primitive primitive, String name) {
            this.primitive = primitive;
            this.name = name;
        }

        String name() {
            return name;
        }

        /** An input: the caller's memory, reordered into the layout the primitive wants when it differs. */
        void in(int arg, memory callers, memory.desc wanted) {
            own(wanted);
            if (wanted.equals(callers.get_desc())) {
                args.put(arg, callers);
                return;
            }
            memory inner = own(new memory(wanted, Dnnl.engine()));
            before.add(own(new reorder(callers, inner)));
            beforeArgs.add(new memory[] {callers, inner});
            args.put(arg, inner);
        }

        /** An output: written in the primitive's layout, then reordered into the caller's when it differs. */
        void out(int arg, memory callers, memory.desc produced) {
            own(produced);
            if (produced.equals(callers.get_desc())) {
                args.put(arg, callers);
                return;
            }
            memory inner = own(new memory(produced, Dnnl.engine()));
            after.add(own(new reorder(inner, callers)));
            afterArgs.add(new memory[] {inner, callers});
            args.put(arg, inner);
        }

        void run() {
            stream s = Dnnl.stream();
            for (int i = 0; i < before.size(); i++) {
                before.get(i).execute(s, beforeArgs.get(i)[0], beforeArgs.get(i)[1]);
            }
            primitive.execute(s, args);
            for (int i = 0; i < after.size(); i++) {
                after.get(i).execute(s, afterArgs.get(i)[0], afterArgs.get(i)[1]);
            }
            s._wait();
        }
    }
}
