package io.syncbn.worker.replica;

import static io.syncbn.worker.replica.ReplicaEquivalenceTest.bits;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.nonEmpty;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.shards;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.syncbn.api.BnMode;
import io.syncbn.collective.InProcessGroup;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Ghost BN in the trainer: virtual batches are local to a worker in every mode, so with shards that
 * are whole numbers of virtual batches, N replicas train exactly like one network with the same ghost
 * layer on the concatenated shards — the same virtual batches — including the running statistics,
 * which the trainer averages over workers (weighted by value counts, so every virtual batch weighs
 * the same). Replicas stay bit-identical; a worker without examples takes part.
 */
class GhostTrainingTest {

    private static final double TOLERANCE = 1e-8;

    @ParameterizedTest(name = "bn {0}")
    @ValueSource(strings = {"sync", "local", "group:3"})
    void replicasTrainLikeOneNetworkWithTheSameVirtualBatches(String bn) {
        int workers = 3;
        int[][] schedule = {{4, 2, 2}, {2, 0, 4}, {2, 2, 2}};
        List<List<DataSet>> shards = shards("list-conv", schedule, DataType.DOUBLE);
        MultiLayerNetwork reference = network();
        MultiLayerNetwork initial = reference.clone();
        for (List<DataSet> step : shards) {
            reference.fit(DataSet.merge(nonEmpty(step)));
        }
        List<MultiLayerNetwork> trained = InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            MultiLayerNetwork net = initial.clone();
            Replica replica = Replica.of(net, c, BnMode.parse(bn));
            for (List<DataSet> step : shards) {
                replica.step(step.get(c.rank()));
            }
            return net;
        });
        List<Executable> checks = new ArrayList<>();
        checks.add(ReplicaEquivalenceTest.close(reference.params(), trained.get(0).params(), TOLERANCE,
                "parameters incl. running statistics"));
        for (int k = 1; k < workers; k++) {
            int rank = k;
            checks.add(() -> assertArrayEquals(bits(trained.get(0).params()), bits(trained.get(rank).params()),
                    "rank " + rank + " must be bit-identical to rank 0"));
        }
        assertAll(checks);
    }

    private static MultiLayerNetwork network() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.DOUBLE).updater(new Adam(0.02)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().decay(0.8).virtualBatchSize(2).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new GlobalPoolingLayer(PoolingType.AVG))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(4, 4, 2, CNN2DFormat.NCHW)).build());
        net.init();
        return net;
    }
}
