package io.syncbn.worker.replica;

import static io.syncbn.worker.replica.ReplicaEquivalenceTest.bits;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.nonEmpty;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.shards;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.BnMode;
import io.syncbn.collective.InProcessGroup;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Group-synchronized batch normalization in the trainer, without Spark.
 *
 * <p>Reference: with plain SGD a step is linear in the gradient, so one step of N replicas in groups
 * equals the mean, weighted by group batch sizes, of the steps that single-process networks take on
 * each group's concatenated shards; the running statistics are the same weighted mean of the
 * single-process ones. Each single-process network uses DL4J's own training loop and the layer
 * without any collective, so the reference shares no code with the group path. Cases: even and
 * uneven shards, a worker without examples, list networks with a convolution and with a dense layer.
 * Also: {@code group:1} is exactly {@code local}, {@code group:N} exactly {@code sync}, and a group size
 * that does not divide the workers is refused.
 */
class GroupModeTest {

    private static final double TOLERANCE = 1e-10;
    private static final double LR = 0.1;

    @ParameterizedTest(name = "{0} workers in groups of {1}, {2}, uneven={3}")
    @CsvSource({"4, 2, conv, false", "4, 2, conv, true", "6, 3, dense, true", "6, 2, conv, true", "4, 4, dense, true"})
    void eachGroupStepsLikeOneProcessOnItsShards(int workers, int k, String model, boolean uneven) {
        int steps = 3;
        int[][] schedule = new int[steps][workers];
        for (int s = 0; s < steps; s++) {
            for (int w = 0; w < workers; w++) {
                schedule[s][w] = uneven ? 1 + (s + 2 * w) % 3 : 2;
            }
        }
        if (uneven) {
            schedule[1][0] = 0;
        }
        checkAgainstReference(workers, k, model, schedule);
    }

    /** A whole group without examples in a step sits it out: no statistics, no weight in the averaging. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"conv", "dense"})
    void aGroupWithoutExamplesSitsTheStepOut(String model) {
        checkAgainstReference(4, 2, model, new int[][] {{2, 3, 0, 0}, {2, 2, 2, 2}, {0, 0, 1, 2}});
    }

    private static void checkAgainstReference(int workers, int k, String model, int[][] schedule) {
        int steps = schedule.length;
        List<List<DataSet>> shards = shards("list-" + model, schedule, DataType.DOUBLE);
        INDArray initial = sgdNet(model).params().dup();

        List<List<INDArray>> trajectories = InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            MultiLayerNetwork net = sgdNet(model);
            net.setParams(initial.dup());
            Replica replica = Replica.of(net, c, BnMode.group(k));
            List<INDArray> after = new ArrayList<>();
            after.add(net.params().dup());
            for (int s = 0; s < steps; s++) {
                replica.step(shards.get(s).get(c.rank()));
                after.add(net.params().dup());
            }
            return after;
        });

        List<Executable> checks = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            INDArray before = trajectories.get(0).get(s);
            INDArray expected = groupReference(model, before, shards.get(s), k);
            int step = s;
            checks.add(ReplicaEquivalenceTest.close(expected, trajectories.get(0).get(step + 1), TOLERANCE,
                    "step " + (step + 1)));
            for (int w = 1; w < workers; w++) {
                int rank = w;
                checks.add(() -> assertArrayEquals(bits(trajectories.get(0).get(step + 1)),
                        bits(trajectories.get(rank).get(step + 1)), "rank " + rank + " after step " + (step + 1)
                                + " must be bit-identical to rank 0"));
            }
        }
        assertAll(checks);
    }

    @Test
    void groupOfOneIsExactlyLocalAndGroupOfAllIsExactlySync() {
        int workers = 4;
        int[][] schedule = ReplicaEquivalenceTest.schedule(workers, true);
        List<List<DataSet>> shards = shards("list-conv", schedule, DataType.DOUBLE);
        INDArray initial = ReplicaEquivalenceTest.build("list-conv", "adam", DataType.DOUBLE).params().dup();
        assertAll(
                () -> assertArrayEquals(bits(train(BnMode.LOCAL, workers, initial, shards)),
                        bits(train(BnMode.group(1), workers, initial, shards)), "group:1 and local"),
                () -> assertArrayEquals(bits(train(BnMode.SYNC, workers, initial, shards)),
                        bits(train(BnMode.group(workers), workers, initial, shards)), "group:4 and sync"));
    }

    @Test
    void groupSizeMustDivideTheWorkers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InProcessGroup.runEach(4, Duration.ofSeconds(60),
                        c -> Replica.of(ReplicaEquivalenceTest.build("list-conv", "adam", DataType.DOUBLE), c,
                                BnMode.group(3))));
        assertEquals("bn group:3 needs a number of workers that is a multiple of 3 (groups of 3 consecutive workers), "
                + "but there are 4 workers; use a multiple of 3 workers or another group size", e.getMessage());
    }

    @Test
    void textFormsRoundTrip() {
        assertAll(
                () -> assertEquals(BnMode.SYNC, BnMode.parse("sync")),
                () -> assertEquals(BnMode.LOCAL, BnMode.parse(" LOCAL ")),
                () -> assertEquals(BnMode.group(4), BnMode.parse("group:4")),
                () -> assertEquals("group:4", BnMode.group(4).toString()),
                () -> assertEquals(8, BnMode.SYNC.groupSize(8)),
                () -> assertEquals(1, BnMode.LOCAL.groupSize(8)),
                () -> assertEquals(2, BnMode.group(2).groupSize(8)),
                () -> assertTrue(BnMode.group(2).averagesRunningStatistics(8)),
                () -> assertEquals("bn must be sync, local or group:K with an integer K >= 1, but got \"group:x\"",
                        assertThrows(IllegalArgumentException.class, () -> BnMode.parse("group:x")).getMessage()));
    }

    /** Parameters after one group-mode step, from single-process SGD steps on each group's concatenation. */
    private static INDArray groupReference(String model, INDArray before, List<DataSet> step, int k) {
        int workers = step.size();
        long total = nonEmpty(step).stream().mapToLong(DataSet::numExamples).sum();
        INDArray expected = before.dup();
        for (int g = 0; g < workers / k; g++) {
            List<DataSet> groupShards = nonEmpty(step.subList(g * k, (g + 1) * k));
            if (groupShards.isEmpty()) {
                continue;
            }
            DataSet concat = DataSet.merge(groupShards);
            MultiLayerNetwork single = sgdNet(model);
            single.setParams(before.dup());
            single.fit(concat);
            double weight = (double) concat.numExamples() / total;
            expected.addi(single.params().sub(before).muli(weight));
        }
        return expected;
    }

    private static INDArray train(BnMode mode, int workers, INDArray initial, List<List<DataSet>> shards) {
        return InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            Model net = ReplicaEquivalenceTest.build("list-conv", "adam", DataType.DOUBLE);
            net.setParams(initial.dup());
            Replica replica = Replica.of(net, c, mode);
            for (List<DataSet> step : shards) {
                replica.step(step.get(c.rank()));
            }
            return net.params().dup();
        }).get(0);
    }

    /** The test network with plain SGD, so that a step is linear in the gradient. */
    static MultiLayerNetwork sgdNet(String model) {
        boolean conv = model.equals("conv");
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Sgd(LR)).list()
                .layer(conv ? new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                        .activation(Activation.IDENTITY).build()
                        : new DenseLayer.Builder().nOut(4).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().decay(0.8).build())
                .layer(new ActivationLayer(Activation.RELU));
        if (conv) {
            b.layer(new GlobalPoolingLayer(PoolingType.AVG));
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                .build());
        MultiLayerNetwork net = new MultiLayerNetwork(b.setInputType(conv ? InputType.convolutional(4, 4, 2,
                CNN2DFormat.NCHW) : InputType.feedForward(5)).build());
        net.init();
        return net;
    }
}
