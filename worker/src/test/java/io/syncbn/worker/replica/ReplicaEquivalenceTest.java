package io.syncbn.worker.replica;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.BnMode;
import io.syncbn.api.StepMetrics;
import io.syncbn.collective.InProcessGroup;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The central contract of the trainer, without Spark: N replicas joined in-process, each stepping on
 * its shard, end with exactly the parameters, updater state and batch-normalization running
 * statistics of one network trained on the concatenated shards (in rank order) — for list networks
 * and graphs, Adam and SGD with Nesterov momentum, float64 and float32, even and uneven shards, and a
 * worker with no examples in a step. Replicas are bit-identical to each other.
 */
class ReplicaEquivalenceTest {

    private static final double DOUBLE_TOLERANCE = 1e-8;
    private static final double FLOAT_TOLERANCE = 1e-4;
    private static final int STEPS = 5;

    /** Shard sizes per step and worker; null rows are even splits of 4 per worker. */
    static int[][] schedule(int workers, boolean uneven) {
        int[][] s = new int[STEPS][workers];
        for (int step = 0; step < STEPS; step++) {
            for (int k = 0; k < workers; k++) {
                s[step][k] = uneven ? 1 + (step + 2 * k) % 4 + (workers == 1 ? 1 : 0) : 4;
            }
        }
        if (uneven && workers > 1) {
            s[2][workers - 1] = 0;
            s[4][0] = 0;
        }
        return s;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            out.add(Arguments.of(n, "list-conv", "adam", DataType.DOUBLE, n > 2));
            out.add(Arguments.of(n, "graph-dense", "nesterovs", DataType.DOUBLE, n != 2));
        }
        out.add(Arguments.of(3, "list-dense", "nesterovs", DataType.DOUBLE, true));
        out.add(Arguments.of(2, "graph-conv", "adam", DataType.DOUBLE, true));
        out.add(Arguments.of(3, "list-conv", "adam", DataType.FLOAT, true));
        out.add(Arguments.of(4, "graph-dense", "adam", DataType.FLOAT, false));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} workers, {1}, {2}, {3}, uneven={4}")
    @MethodSource("cases")
    void replicasMatchOneNetworkOnTheConcatenatedBatches(int workers, String model, String updater, DataType dt,
            boolean uneven) {
        int[][] schedule = schedule(workers, uneven);
        Model reference = build(model, updater, dt);
        INDArray initial = reference.params().dup();
        List<List<DataSet>> shards = shards(model, schedule, dt);

        for (int step = 0; step < STEPS; step++) {
            fit(reference, DataSet.merge(nonEmpty(shards.get(step))));
        }

        List<Model> replicas = InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            Model net = build(model, updater, dt);
            net.setParams(initial.dup());
            Replica replica = Replica.of(net, c, BnMode.SYNC);
            for (int step = 0; step < STEPS; step++) {
                replica.step(shards.get(step).get(c.rank()));
            }
            replica.checkConsistency("the end");
            return net;
        });

        double tol = dt == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
        List<Executable> checks = new ArrayList<>();
        checks.add(close(reference.params(), replicas.get(0).params(), tol, "parameters incl. running statistics"));
        checks.add(close(updaterState(reference), updaterState(replicas.get(0)), tol, "updater state"));
        for (int k = 1; k < workers; k++) {
            int rank = k;
            checks.add(() -> assertArrayEquals(bits(replicas.get(0).params()), bits(replicas.get(rank).params()),
                    "rank " + rank + " parameters must be bit-identical to rank 0"));
        }
        checks.add(() -> assertEquals(iterations(reference), iterations(replicas.get(0)), "iteration count"));
        assertAll(checks);
    }

    @Test
    void metricsAreGlobal() {
        int[][] schedule = {{3, 0, 2}};
        List<List<DataSet>> shards = shards("list-dense", schedule, DataType.DOUBLE);
        Model reference = build("list-dense", "adam", DataType.DOUBLE);
        INDArray initial = reference.params().dup();
        DataSet all = DataSet.merge(nonEmpty(shards.get(0)));
        double referenceScore = ((MultiLayerNetwork) reference).score(all, true);
        INDArray predicted = ((MultiLayerNetwork) reference).clone().output(all.getFeatures(), true);
        long referenceCorrect = 0;
        for (int i = 0; i < all.numExamples(); i++) {
            if (predicted.getRow(i).argMax().getInt(0) == all.getLabels().getRow(i).argMax().getInt(0)) {
                referenceCorrect++;
            }
        }
        long expectedCorrect = referenceCorrect;
        List<StepMetrics> metrics = InProcessGroup.runEach(3, Duration.ofSeconds(60), c -> {
            Model net = build("list-dense", "adam", DataType.DOUBLE);
            net.setParams(initial.dup());
            return Replica.of(net, c, BnMode.SYNC).step(shards.get(0).get(c.rank()));
        });
        assertAll(
                () -> assertEquals(5, metrics.get(1).examples(), "examples in the global batch"),
                () -> assertEquals(referenceScore, metrics.get(0).loss(), 1e-9, "global mean loss"),
                () -> assertEquals(metrics.get(0).loss(), metrics.get(2).loss(), 0.0, "same on every rank"),
                () -> assertEquals(expectedCorrect, metrics.get(0).correct(),
                        "correct training-mode predictions of the global batch, as one network makes them"),
                () -> assertEquals(expectedCorrect, metrics.get(2).correct(), "the same on every rank"));
    }

    @Test
    void divergedReplicasAreNamed() {
        ReplicaDivergenceException e = assertThrows(ReplicaDivergenceException.class,
                () -> InProcessGroup.runEach(3, Duration.ofSeconds(60), c -> {
                    Model net = build("list-dense", "adam", DataType.DOUBLE);
                    if (c.rank() == 2) {
                        net.params().putScalar(0, 42.0);
                    }
                    Replica.of(net, c, BnMode.SYNC).checkConsistency("step 7");
                    return null;
                }));
        assertTrue(e.getMessage().startsWith("replicas diverged at step 7: parameter checksum of rank 0 is "),
                e.getMessage());
        assertTrue(e.getMessage().contains(" but rank 2 ("), e.getMessage());
    }

    static List<List<DataSet>> shards(String model, int[][] schedule, DataType dt) {
        List<List<DataSet>> out = new ArrayList<>();
        int seed = 100;
        for (int[] step : schedule) {
            List<DataSet> perWorker = new ArrayList<>();
            for (int b : step) {
                perWorker.add(b == 0 ? null : data(model, b, dt, seed++));
            }
            out.add(perWorker);
        }
        return out;
    }

    static List<DataSet> nonEmpty(List<DataSet> shards) {
        return shards.stream().filter(d -> d != null).toList();
    }

    static DataSet data(String model, int n, DataType dt, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = model.endsWith("conv") ? new long[] {n, 2, 4, 4} : new long[] {n, 5};
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape).muli(2).addi(1).castTo(dt);
        INDArray y = Nd4j.zeros(dt, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (int) ((seed + i) % 3), 1.0);
        }
        return new DataSet(x, y);
    }

    static Model build(String model, String updater, DataType dt) {
        IUpdater u = updater.equals("adam") ? new Adam(0.02) : new Nesterovs(0.05, 0.9);
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(7).dataType(dt).updater(u);
        boolean conv = model.endsWith("conv");
        InputType in = conv ? InputType.convolutional(4, 4, 2, CNN2DFormat.NCHW) : InputType.feedForward(5);
        org.deeplearning4j.nn.conf.layers.Layer features = conv
                ? new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false).activation(Activation.IDENTITY).build()
                : new DenseLayer.Builder().nOut(4).hasBias(false).activation(Activation.IDENTITY).build();
        OutputLayer out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).build();
        SyncBatchNormalization bn = new SyncBatchNormalization.Builder().decay(0.8).build();
        if (model.startsWith("list")) {
            NeuralNetConfiguration.ListBuilder b = base.list().layer(features).layer(bn)
                    .layer(new ActivationLayer(Activation.RELU));
            if (conv) {
                b.layer(new GlobalPoolingLayer(PoolingType.AVG));
            }
            MultiLayerNetwork net = new MultiLayerNetwork(b.layer(out).setInputType(in).build());
            net.init();
            return net;
        }
        var g = base.graphBuilder().addInputs("in").addLayer("f", features, "in").addLayer("bn", bn, "f")
                .addLayer("act", new ActivationLayer(Activation.RELU), "bn");
        String last = "act";
        if (conv) {
            g.addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "act");
            last = "pool";
        }
        ComputationGraph graph = new ComputationGraph(g.addLayer("out", out, last).setOutputs("out")
                .setInputTypes(in).build());
        graph.init();
        return graph;
    }

    static void fit(Model net, DataSet ds) {
        if (net instanceof MultiLayerNetwork mln) {
            mln.fit(ds);
        } else {
            ((ComputationGraph) net).fit(ds);
        }
    }

    static INDArray updaterState(Model net) {
        return net instanceof MultiLayerNetwork mln ? mln.getUpdater().getStateViewArray()
                : ((ComputationGraph) net).getUpdater().getStateViewArray();
    }

    static int iterations(Model net) {
        return net instanceof MultiLayerNetwork mln ? mln.getIterationCount()
                : ((ComputationGraph) net).getIterationCount();
    }

    static long[] bits(INDArray a) {
        double[] v = a.castTo(DataType.DOUBLE).toDoubleVector();
        return Arrays.stream(v).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    static Executable close(INDArray expected, INDArray actual, double tol, String what) {
        return () -> {
            double[] e = expected.castTo(DataType.DOUBLE).toDoubleVector();
            double[] a = actual.castTo(DataType.DOUBLE).toDoubleVector();
            assertEquals(e.length, a.length, what + ": length");
            double worst = 0;
            int at = -1;
            for (int i = 0; i < e.length; i++) {
                double err = Math.abs(e[i] - a[i]) / (1 + Math.abs(e[i]));
                if (err > worst) {
                    worst = err;
                    at = i;
                }
            }
            assertTrue(worst <= tol, what + ": relative error " + worst + " > " + tol + " at index " + at);
        };
    }
}
