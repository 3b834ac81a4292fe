package io.syncbn.worker.epoch;

import io.syncbn.api.BnMode;
import io.syncbn.collective.Collective;
import io.syncbn.collective.InProcessGroup;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.worker.replica.Replica;
import io.syncbn.worker.split.EpochSplit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Networks, per-worker examples and per-rank runs of {@link EpochLoop} for the epoch tests, without Spark. */
final class EpochFixtures {

    static final int FEATURES = 5;
    static final int CLASSES = 3;

    private EpochFixtures() {
    }

    /**
     * dense → BN → ReLU → [dropout 0.5] → softmax output, float64, Adam.
     *
     * @param virtualBatch the BN layer's ghost batch size (0: none)
     */
    static MultiLayerNetwork dense(boolean dropout, int virtualBatch) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.DOUBLE).updater(new Adam(0.02)).list()
                .layer(new DenseLayer.Builder().nOut(6).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().decay(0.8).virtualBatchSize(virtualBatch).build())
                .layer(new ActivationLayer(Activation.RELU));
        if (dropout) {
            b.layer(new DropoutLayer(0.5));
        }
        MultiLayerNetwork net = new MultiLayerNetwork(b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(CLASSES).activation(Activation.SOFTMAX).build()).setInputType(InputType.feedForward(FEATURES))
                .build());
        net.init();
        return net;
    }

    /** conv 3×3 → BN → ReLU → global average pooling → softmax output on 2×4×4 inputs, float64. */
    static MultiLayerNetwork conv() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.DOUBLE).updater(new Adam(0.02)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .layer(new SyncBatchNormalization.Builder().decay(0.8).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new GlobalPoolingLayer(PoolingType.AVG))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(4, 4, 2, CNN2DFormat.NCHW)).build());
        net.init();
        return net;
    }

    /**
     * Every worker's examples in plan order, one example per element, the same on every call: worker
     * {@code k}'s {@code i}-th example is drawn from seed {@code 1000 k + i}.
     */
    static List<List<MultiDataSet>> examples(EpochSplit split, boolean conv) {
        List<List<MultiDataSet>> out = new ArrayList<>();
        for (int k = 0; k < split.workers(); k++) {
            List<MultiDataSet> mine = new ArrayList<>();
            for (int i = 0; i < split.examplesOf(k); i++) {
                mine.add(example(1000L * k + i, conv));
            }
            out.add(mine);
        }
        return out;
    }

    static MultiDataSet example(long seed, boolean conv) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = conv ? new long[] {1, 2, 4, 4} : new long[] {1, FEATURES};
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape).muli(2).addi(1);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 1, CLASSES);
        y.putScalar(0, (int) (seed % CLASSES), 1.0);
        return new org.nd4j.linalg.dataset.MultiDataSet(x, y);
    }

    /** The stage on every rank of an in-process group; rank 0's result, or the first rank's failure. */
    static EpochResult run(byte[] snapshot, EpochSpec spec, List<List<MultiDataSet>> examples) {
        List<Object> outcomes = outcomes(spec.split().workers(), c -> EpochLoop.run(snapshot, spec, c,
                examples.get(c.rank()).iterator(), m -> { }));
        for (Object o : outcomes) {
            if (o instanceof Throwable t) {
                throw new AssertionError("rank " + outcomes.indexOf(o) + " failed", t);
            }
        }
        return (EpochResult) outcomes.get(0);
    }

    /**
     * The epoch as {@link EpochLoop} should train it, from replicas stepped directly: every rank takes
     * its shards in plan order and steps with {@link EpochSplit#randomSeed}; returns rank 0's network.
     */
    static Model stepDirectly(byte[] snapshot, EpochSplit split, BnMode mode, List<List<MultiDataSet>> examples) {
        List<Object> outcomes = outcomes(split.workers(), c -> {
            Model net = EpochLoop.restore(snapshot, false);
            Replica replica = Replica.of(net, c, mode);
            ShardStream shards = new ShardStream(examples.get(c.rank()).iterator(), c.rank());
            for (int s = 0; s < split.steps(); s++) {
                replica.step(shards.take(split.shardSize(c.rank(), s)), split.randomSeed(s, c.rank()));
            }
            return net;
        });
        for (Object o : outcomes) {
            if (o instanceof Throwable t) {
                throw new AssertionError("rank " + outcomes.indexOf(o) + " failed", t);
            }
        }
        return (Model) outcomes.get(0);
    }

    /**
     * Runs {@code work} on every rank of an in-process group, each on its own thread, and returns what
     * each rank returned or threw, in rank order: unlike {@link InProcessGroup#runEach}, which reports
     * one failure, this shows what every rank saw.
     */
    static List<Object> outcomes(int workers, Function<Collective, Object> work) {
        InProcessGroup group = InProcessGroup.create(workers, Duration.ofSeconds(30));
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int k = 0; k < workers; k++) {
                Collective c = group.member(k);
                futures.add(pool.submit(() -> {
                    try (c) {
                        return work.apply(c);
                    } catch (RuntimeException | Error e) {
                        return e;
                    }
                }));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } catch (Exception e) {
            throw new AssertionError("the ranks did not finish", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The raw bits of a float64 vector, for exact comparisons. */
    static long[] bits(INDArray a) {
        if (a.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("bits needs a DOUBLE array, but got " + a.dataType());
        }
        return Arrays.stream(a.toDoubleVector()).mapToLong(Double::doubleToRawLongBits).toArray();
    }
}
