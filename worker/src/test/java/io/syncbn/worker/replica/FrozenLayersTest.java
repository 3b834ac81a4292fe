package io.syncbn.worker.replica;

import static io.syncbn.worker.replica.ReplicaEquivalenceTest.bits;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.nonEmpty;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.shards;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Fine-tuning with frozen batch-normalization layers: a frozen {@code SyncBatchNormalization} behaves
 * like DL4J's frozen layers — inference statistics, no collectives, parameters and running statistics
 * unchanged — so replicas with uneven and empty shards train exactly like one network on the
 * concatenated shards, in every BN mode. Cases: a feature extractor frozen with {@code
 * TransferLearning.Builder.setFeatureExtractor} (a {@code FrozenLayer} around the first conv–BN–ReLU
 * block), and a BN layer wrapped in {@code FrozenLayerWithBackprop} between two trained convolutions.
 */
class FrozenLayersTest {

    private static final double TOLERANCE = 1e-8;

    @ParameterizedTest(name = "{0}, bn {1}")
    @CsvSource({"feature-extractor, sync", "feature-extractor, local", "feature-extractor, group:2",
        "with-backprop, sync", "with-backprop, group:2"})
    void frozenBatchNormTrainsLikeOneNetwork(String frozen, String bn) {
        int workers = 4;
        int[][] schedule = {{2, 0, 3, 1}, {1, 2, 0, 0}, {2, 2, 2, 2}, {0, 3, 1, 0}};
        List<List<DataSet>> shards = shards("list-conv", schedule, DataType.DOUBLE);
        MultiLayerNetwork initial = network(frozen);
        MultiLayerNetwork reference = initial.clone();
        BnMode mode = BnMode.parse(bn);
        boolean sync = mode.equals(BnMode.SYNC);
        if (sync) {
            for (List<DataSet> step : shards) {
                reference.fit(DataSet.merge(nonEmpty(step)));
            }
        }
        List<MultiLayerNetwork> trained = InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            MultiLayerNetwork net = initial.clone();
            Replica replica = Replica.of(net, c, mode);
            for (List<DataSet> step : shards) {
                replica.step(step.get(c.rank()));
            }
            replica.checkConsistency("the end");
            return net;
        });
        List<Executable> checks = new ArrayList<>();
        if (sync) {
            checks.add(ReplicaEquivalenceTest.close(reference.params(), trained.get(0).params(), TOLERANCE,
                    "parameters against one network"));
        }
        for (int i = 0; i < initial.getnLayers(); i++) {
            if (initial.getLayer(i).getClass().getSimpleName().startsWith("Frozen") && initial.getLayer(i)
                    .numParams() > 0) {
                int layer = i;
                checks.add(() -> assertArrayEquals(bits(initial.getLayer(layer).params()),
                        bits(trained.get(0).getLayer(layer).params()), "frozen layer " + layer
                                + ": parameters and running statistics unchanged"));
            }
        }
        checks.add(() -> assertTrue(!java.util.Arrays.equals(bits(initial.params()), bits(trained.get(0).params())),
                "the other layers trained"));
        int expectedFrozen = frozen.equals("feature-extractor") ? 2 : 1;
        checks.add(() -> assertEquals(expectedFrozen, frozenLayersOf(initial), "frozen layers with parameters"));
        for (int k = 1; k < workers; k++) {
            int rank = k;
            checks.add(() -> assertArrayEquals(bits(trained.get(0).params()), bits(trained.get(rank).params()),
                    "rank " + rank + " must be bit-identical to rank 0"));
        }
        assertAll(checks);
    }

    private static int frozenLayersOf(MultiLayerNetwork net) {
        int n = 0;
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (l.getClass().getSimpleName().startsWith("Frozen") && l.numParams() > 0) {
                n++;
            }
        }
        return n;
    }

    private static MultiLayerNetwork network(String frozen) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Adam(0.02)).list();
        SyncBatchNormalization bn1 = new SyncBatchNormalization.Builder().decay(0.8).build();
        if (frozen.equals("with-backprop")) {
            b.layer(new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                    .activation(Activation.IDENTITY).build())
                    .layer(new FrozenLayerWithBackprop(bn1));
        } else {
            b.layer(new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                    .activation(Activation.IDENTITY).build()).layer(bn1);
        }
        b.layer(new ActivationLayer(Activation.RELU))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).padding(1, 1).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().decay(0.8).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new GlobalPoolingLayer(PoolingType.AVG))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(b.setInputType(InputType.convolutional(4, 4, 2,
                CNN2DFormat.NCHW)).build());
        net.init();
        // Running statistics away from their initial values, so that freezing them is visible.
        net.fit(ReplicaEquivalenceTest.data("list-conv", 6, DataType.DOUBLE, 3));
        if (frozen.equals("feature-extractor")) {
            return new TransferLearning.Builder(net).setFeatureExtractor(2).build();
        }
        return net;
    }
}
