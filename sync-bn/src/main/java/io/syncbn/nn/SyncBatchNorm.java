package io.syncbn.nn;

import io.syncbn.collective.Collective;
import io.syncbn.collective.SingleCollective;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Binds the synchronized batch-normalization layers of a network to the replicas they synchronize
 * with. A worker builds its replica, then calls {@link #attach} with its rank's collective before
 * training; {@link #detach} (or never attaching) gives per-worker "local" statistics.
 */
public final class SyncBatchNorm {

    private SyncBatchNorm() {
    }

    /**
     * Makes every {@link SyncBatchNormalizationLayer} of {@code network} synchronize through {@code
     * collective}.
     *
     * @return the number of layers attached
     */
    public static int attach(Model network, Collective collective) {
        Objects.requireNonNull(collective, "collective");
        List<SyncBatchNormalizationLayer> layers = layers(network);
        for (SyncBatchNormalizationLayer layer : layers) {
            layer.setCollective(collective);
        }
        return layers.size();
    }

    /** Makes every synchronized layer of {@code network} use its own shard's statistics only. */
    public static int detach(Model network) {
        return attach(network, SingleCollective.instance());
    }

    /** The synchronized batch-normalization layers of {@code network}, in layer order, frozen or not. */
    public static List<SyncBatchNormalizationLayer> layers(Model network) {
        return find(network, true);
    }

    /**
     * The synchronized batch-normalization layers of {@code network} that train: not inside a {@code
     * FrozenLayer} or {@code FrozenLayerWithBackprop} (what {@code TransferLearning}'s feature
     * extractor makes). A frozen layer always normalizes with its running statistics, as DL4J's frozen
     * layers do, so it never communicates and a trainer leaves it out of every collective.
     */
    public static List<SyncBatchNormalizationLayer> trainedLayers(Model network) {
        return find(network, false);
    }

    private static List<SyncBatchNormalizationLayer> find(Model network, boolean withFrozen) {
        Layer[] all;
        if (network instanceof MultiLayerNetwork mln) {
            all = mln.getLayers();
        } else if (network instanceof ComputationGraph graph) {
            all = graph.getLayers();
        } else {
            throw new IllegalArgumentException("network must be a MultiLayerNetwork or a ComputationGraph, but got "
                    + (network == null ? "null" : network.getClass().getName()));
        }
        List<SyncBatchNormalizationLayer> found = new ArrayList<>();
        for (Layer layer : all) {
            Layer inner = layer;
            boolean frozen = false;
            while (inner instanceof BaseWrapperLayer wrapper) {
                frozen |= wrapper instanceof FrozenLayer || wrapper instanceof FrozenLayerWithBackprop;
                inner = wrapper.getUnderlying();
            }
            if (inner instanceof SyncBatchNormalizationLayer bn && (withFrozen || !frozen)) {
                found.add(bn);
            }
        }
        return found;
    }

    /**
     * One layer outside any network, with initialized parameters and gradient views: for the fixture
     * verifier, benchmarks and tests that drive {@code activate}/{@code backpropGradient} directly.
     *
     * @param conf the layer configuration, with {@code nOut} set
     * @param dataType FLOAT or DOUBLE
     */
    public static SyncBatchNormalizationLayer standalone(SyncBatchNormalization conf, DataType dataType) {
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(dataType).layer(conf).build();
        long n = conf.initializer().numParams(nnc);
        INDArray params = Nd4j.create(dataType, 1, n);
        SyncBatchNormalizationLayer layer = (SyncBatchNormalizationLayer) nnc.getLayer()
                .instantiate(nnc, List.of(), 0, params, true, dataType);
        layer.setBackpropGradientsViewArray(Nd4j.create(dataType, 1, n));
        return layer;
    }
}
