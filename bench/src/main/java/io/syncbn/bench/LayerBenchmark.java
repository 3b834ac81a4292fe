package io.syncbn.bench;

import io.syncbn.nn.SyncBatchNorm;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One training forward and backward pass of a batch-normalization layer on float input: this
 * project's layer with world size 1 against DL4J's {@code BatchNormalization}, same input, same
 * upstream gradient, same parameters.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LayerBenchmark {

    /** {@code nchw}: [32,64,28,28] feature maps; {@code dense}: [256,1024] activations. */
    @Param({"nchw", "dense"})
    public String shape;

    private Layer sync;
    private Layer dl4j;
    private INDArray x;
    private INDArray dy;
    private final LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();

    /** Builds both layers and the data. */
    @Setup(Level.Trial)
    public void setUp() {
        long[] dims = "nchw".equals(shape) ? new long[] {32, 64, 28, 28} : new long[] {256, 1024};
        int channels = (int) dims[1];
        Nd4j.getRandom().setSeed(1);
        x = Nd4j.rand(DataType.FLOAT, dims).muli(3).addi(1);
        dy = Nd4j.randn(DataType.FLOAT, dims);
        sync = SyncBatchNorm.standalone(new SyncBatchNormalization.Builder().nIn(channels).nOut(channels).build(),
                DataType.FLOAT);
        BatchNormalization conf = new BatchNormalization.Builder().nIn(channels).nOut(channels).build();
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).layer(conf).build();
        long n = conf.initializer().numParams(nnc);
        dl4j = nnc.getLayer().instantiate(nnc, List.of(), 0, Nd4j.create(DataType.FLOAT, 1, n), true, DataType.FLOAT);
        dl4j.setBackpropGradientsViewArray(Nd4j.create(DataType.FLOAT, 1, n));
    }

    /** This project's layer. */
    @Benchmark
    public void syncBatchNorm(Blackhole bh) {
        step(sync, bh);
    }

    /** DL4J's layer. */
    @Benchmark
    public void dl4jBatchNorm(Blackhole bh) {
        step(dl4j, bh);
    }

    private void step(Layer layer, Blackhole bh) {
        layer.setInput(x, ws);
        bh.consume(layer.activate(true, ws));
        bh.consume(layer.backpropGradient(dy, ws).getSecond());
    }
}
