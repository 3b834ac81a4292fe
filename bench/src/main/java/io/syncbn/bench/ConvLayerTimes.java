package io.syncbn.bench;

import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.layers.DnnlConvolution2DLayer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-layer part of {@code scripts/bench-compute}: forward and backward times of one of the
 * fmnist-cnn's convolutions as a standalone layer, this project's {@code DnnlConvolution2D} and DL4J's
 * {@code ConvolutionLayer} on the same configuration, each call in a reset workspace (as in a training
 * loop's steady state), median of many calls, with the page faults per call as a check.
 */
final class ConvLayerTimes {

    /** Warm-up and timed calls of each per-layer measurement (as in torch_compute.py). */
    static final int LAYER_WARMUP = 20;
    static final int LAYER_REPS = 100;

    private static final String WS = "bench-compute";

    /**
     * One workspace that every array type of a layer call goes to, reset at each call: after the first
     * (learning) call, every forward and backward writes into the same memory instead of allocating
     * (and page-faulting) fresh output arrays, as in a training loop's steady state.
     */
    private static final WorkspaceConfiguration WS_CONF = WorkspaceConfiguration.builder().initialSize(0)
            .overallocationLimit(0.05).policyAllocation(AllocationPolicy.OVERALLOCATE)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).build();


    record ConvTimes(int index, String label, double fwd, double bwd, double dl4jFwd, double dl4jBwd,
            double[] faults, String implementation) {
    }

    /** Forward and backward times of convolution {@code index} ({in, out, stride, size}), ours and DL4J's. */
    static ConvTimes convTimes(int index, int[] spec, int batch) {
        int in = spec[0];
        int out = spec[1];
        int stride = spec[2];
        int size = spec[3];
        // The builder's chained setters return DL4J's builder type, whose build() this builder overrides.
        DnnlConvolution2D conf = (DnnlConvolution2D) new DnnlConvolution2D.Builder(3, 3).name("conv" + index).nIn(in).nOut(out)
                .stride(stride, stride).padding(1, 1).hasBias(false).activation(Activation.IDENTITY)
                .dataFormat(CNN2DFormat.NCHW).build();
        Nd4j.getRandom().setSeed(3 + index);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, in, size, size);
        Layer ours = standalone(conf);
        Layer theirs = standalone(conf.toDl4j());
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace(WS, WS_CONF).build();
        // The upstream gradient: the shape of the output, outside any workspace.
        ours.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        INDArray y = ours.activate(true, LayerWorkspaceMgr.noWorkspaces());
        INDArray dy = Nd4j.rand(DataType.FLOAT, y.shape()).subi(0.5);
        String implementation = ((DnnlConvolution2DLayer) ours).implementation(x);
        double[] faults = new double[4];
        double oursFwd = time(() -> forward(ours, x, mgr), faults, 0);
        double oursBwd = time(() -> backward(ours, x, dy, mgr), faults, 1);
        double dl4jFwd = time(() -> forward(theirs, x, mgr), faults, 2);
        double dl4jBwd = time(() -> backward(theirs, x, dy, mgr), faults, 3);
        String label = String.format("conv%d [%d,%d,%d,%d] -> %d /%d", index, batch, in, size, size, out, stride);
        return new ConvTimes(index, label, oursFwd, oursBwd, dl4jFwd, dl4jBwd, faults, implementation);
    }

    /** A layer on its own, parameters initialized, with a gradient view for its backward pass. */
    private static Layer standalone(ConvolutionLayer conf) {
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).layer(conf).build();
        long n = conf.initializer().numParams(nnc);
        Layer layer = nnc.getLayer().instantiate(nnc, List.of(), 0, Nd4j.create(DataType.FLOAT, 1, n), true,
                DataType.FLOAT);
        layer.setBackpropGradientsViewArray(Nd4j.create(DataType.FLOAT, 1, n));
        return layer;
    }

    /** One training-mode forward in the (reset) benchmark workspace; nanoseconds. */
    private static long forward(Layer layer, INDArray x, LayerWorkspaceMgr mgr) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS_CONF, WS)) {
            long start = System.nanoTime();
            layer.setInput(x, mgr);
            layer.activate(true, mgr);
            return System.nanoTime() - start;
        }
    }

    /** One backward (input and weight gradients) in the (reset) benchmark workspace; nanoseconds. */
    private static long backward(Layer layer, INDArray x, INDArray dy, LayerWorkspaceMgr mgr) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS_CONF, WS)) {
            layer.setInput(x, mgr);
            long start = System.nanoTime();
            layer.backpropGradient(dy, mgr);
            return System.nanoTime() - start;
        }
    }

    /** Median ms of {@code LAYER_REPS} calls after {@code LAYER_WARMUP}; minor page faults per call to {@code faults[slot]}. */
    private static double time(LongSupplier call, double[] faults, int slot) {
        for (int i = 0; i < LAYER_WARMUP; i++) {
            call.getAsLong();
        }
        double[] ms = new double[LAYER_REPS];
        long before = minorFaults();
        for (int i = 0; i < LAYER_REPS; i++) {
            ms[i] = call.getAsLong() / 1e6;
        }
        long after = minorFaults();
        faults[slot] = before < 0 || after < 0 ? Double.NaN : (after - before) / (double) LAYER_REPS;
        return BenchCompute.medianOf(ms);
    }

    /** This process's minor page faults (Linux /proc/self/stat), or -1 where unknown. */
    private static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            // Fields after the command name (which may contain spaces): state is field 3, minflt field 10.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private ConvLayerTimes() {
    }
}
