package io.syncbn.convert;

import io.syncbn.nn.conf.ConfigFields;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.conf.SyncBatchNormalization.RunningVariance;
import io.syncbn.nn.params.SyncBatchNormParamInitializer;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Subsampling3DLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling3D;
import org.deeplearning4j.nn.conf.layers.ZeroPadding3DLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping3D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Replaces every DL4J {@link BatchNormalization} with {@link SyncBatchNormalization} ({@code toSync})
 * or the reverse ({@code toDl4j}), in a configuration or in a trained network. Everything else in the
 * network is kept: other layers, their configuration and parameters, and — when the parameter layout
 * is unchanged — the updater state and iteration counts.
 *
 * <p>Parameters carry over by name ({@code gamma}, {@code beta}, {@code mean}, {@code var}); a DL4J
 * layer that stores {@code log10stdev} has its running variance recovered as {@code (10^x)^2}. A
 * synchronized layer without a learned gamma (or beta) exports its fixed value into DL4J's parameter.
 * Conversion to DL4J is refused for networks with 3-D convolutions: DL4J's own layer normalizes only
 * rank 2 and rank 4 inputs.
 *
 * <p>Behaviour is kept: by default a converted synchronized layer updates its running variance with
 * the biased batch variance, as DL4J's layer does ({@link RunningVariance#BIASED}), so the converted
 * network computes what the DL4J network computes — outputs in training and inference mode, and the
 * running statistics as both go on training. Pass {@link RunningVariance#UNBIASED} to switch to the BN
 * paper's and PyTorch's convention instead; inference outputs are then unchanged only until the next
 * training step. Converting back with {@code toDl4j} gives DL4J's biased convention whatever the
 * synchronized layer used.
 */
public final class BatchNormConversion {

    private BatchNormConversion() {
    }

    /** The synchronized equivalent of DL4J's layer configuration, with DL4J's (biased) running variance. */
    public static SyncBatchNormalization toSync(BatchNormalization bn) {
        return toSync(bn, RunningVariance.BIASED);
    }

    /**
     * The synchronized equivalent of DL4J's layer configuration.
     *
     * @param runningVariance the variance the running average is updated with; {@link
     *     RunningVariance#BIASED} keeps DL4J's behaviour
     */
    public static SyncBatchNormalization toSync(BatchNormalization bn, RunningVariance runningVariance) {
        SyncBatchNormalization out = new SyncBatchNormalization();
        out.setRunningVariance(java.util.Objects.requireNonNull(runningVariance, "runningVariance"));
        copyBaseFields(bn, out);
        out.setDecay(bn.getDecay());
        out.setEps(bn.getEps());
        out.setGammaInit(bn.getGamma());
        out.setBetaInit(bn.getBeta());
        out.setLockGammaBeta(bn.isLockGammaBeta());
        out.setCnn2DFormat(bn.getCnn2DFormat());
        out.validate();
        return out;
    }

    /** DL4J's equivalent of a synchronized layer configuration. */
    public static BatchNormalization toDl4j(SyncBatchNormalization sync) {
        if (sync.getAxis() != SyncBatchNormalization.AXIS_FROM_FORMAT && sync.getAxis() != 1) {
            throw new IllegalArgumentException("layer \"" + sync.getLayerName() + "\" normalizes axis " + sync.getAxis()
                    + ", but DL4J's BatchNormalization only takes the channel axis from its data format; "
                    + "export works for layers that use the data format's channel axis");
        }
        BatchNormalization out = new BatchNormalization();
        copyBaseFields(sync, out);
        out.setDecay(sync.getDecay());
        out.setEps(sync.getEps());
        boolean fixed = sync.isLockGammaBeta() || (!sync.isScale() && !sync.isCenter());
        out.setLockGammaBeta(fixed);
        out.setGamma(sync.fixedGamma());
        out.setBeta(sync.fixedBeta());
        out.setUseLogStd(false);
        out.setCnn2DFormat(sync.getCnn2DFormat());
        return out;
    }

    /** A copy of {@code conf} with every DL4J batch normalization replaced by the synchronized one. */
    public static MultiLayerConfiguration toSync(MultiLayerConfiguration conf) {
        return toSync(conf, RunningVariance.BIASED);
    }

    /** As {@link #toSync(MultiLayerConfiguration)}, with the given running-variance convention. */
    public static MultiLayerConfiguration toSync(MultiLayerConfiguration conf, RunningVariance runningVariance) {
        return NetworkRewrite.replaceLayers(conf, l -> toSyncIfBn(l, runningVariance));
    }

    /** A copy of {@code conf} with every synchronized batch normalization replaced by DL4J's. */
    public static MultiLayerConfiguration toDl4j(MultiLayerConfiguration conf) {
        refuse3d(conf);
        return NetworkRewrite.replaceLayers(conf, BatchNormConversion::toDl4jIfSync);
    }

    /** A copy of {@code conf} with every DL4J batch normalization replaced by the synchronized one. */
    public static ComputationGraphConfiguration toSync(ComputationGraphConfiguration conf) {
        return toSync(conf, RunningVariance.BIASED);
    }

    /** As {@link #toSync(ComputationGraphConfiguration)}, with the given running-variance convention. */
    public static ComputationGraphConfiguration toSync(ComputationGraphConfiguration conf,
            RunningVariance runningVariance) {
        return NetworkRewrite.replaceLayers(conf, l -> toSyncIfBn(l, runningVariance));
    }

    /** A copy of {@code conf} with every synchronized batch normalization replaced by DL4J's. */
    public static ComputationGraphConfiguration toDl4j(ComputationGraphConfiguration conf) {
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                refuse3d(lv.getLayerConf().getLayer());
            }
        }
        return NetworkRewrite.replaceLayers(conf, BatchNormConversion::toDl4jIfSync);
    }

    /** A new network with synchronized batch normalization and {@code net}'s parameters, behaving as {@code net}. */
    public static MultiLayerNetwork toSync(MultiLayerNetwork net) {
        return toSync(net, RunningVariance.BIASED);
    }

    /** As {@link #toSync(MultiLayerNetwork)}, with the given running-variance convention. */
    public static MultiLayerNetwork toSync(MultiLayerNetwork net, RunningVariance runningVariance) {
        return NetworkRewrite.convert(net, toSync(net.getLayerWiseConfigurations(), runningVariance),
                BatchNormConversion::sourceValue);
    }

    /** A new network with DL4J's batch normalization and {@code net}'s parameters, loadable without this project. */
    public static MultiLayerNetwork toDl4j(MultiLayerNetwork net) {
        return NetworkRewrite.convert(net, toDl4j(net.getLayerWiseConfigurations()), BatchNormConversion::sourceValue);
    }

    /** A new graph with synchronized batch normalization and {@code graph}'s parameters, behaving as {@code graph}. */
    public static ComputationGraph toSync(ComputationGraph graph) {
        return toSync(graph, RunningVariance.BIASED);
    }

    /** As {@link #toSync(ComputationGraph)}, with the given running-variance convention. */
    public static ComputationGraph toSync(ComputationGraph graph, RunningVariance runningVariance) {
        return NetworkRewrite.convert(graph, toSync(graph.getConfiguration(), runningVariance),
                BatchNormConversion::sourceValue);
    }

    /** A new graph with DL4J's batch normalization and {@code graph}'s parameters, loadable without this project. */
    public static ComputationGraph toDl4j(ComputationGraph graph) {
        return NetworkRewrite.convert(graph, toDl4j(graph.getConfiguration()), BatchNormConversion::sourceValue);
    }

    static org.deeplearning4j.nn.conf.layers.Layer toSyncIfBn(org.deeplearning4j.nn.conf.layers.Layer l,
            RunningVariance runningVariance) {
        return l instanceof BatchNormalization bn ? toSync(bn, runningVariance) : l;
    }

    static org.deeplearning4j.nn.conf.layers.Layer toDl4jIfSync(org.deeplearning4j.nn.conf.layers.Layer l) {
        return l instanceof SyncBatchNormalization s ? toDl4j(s) : l;
    }

    private static void refuse3d(MultiLayerConfiguration conf) {
        for (NeuralNetConfiguration c : conf.getConfs()) {
            refuse3d(c.getLayer());
        }
    }

    static void refuse3d(org.deeplearning4j.nn.conf.layers.Layer layer) {
        if (layer instanceof Convolution3D || layer instanceof Subsampling3DLayer || layer instanceof Upsampling3D
                || layer instanceof Cropping3D || layer instanceof ZeroPadding3DLayer) {
            throw new IllegalArgumentException("cannot export to DL4J's BatchNormalization: layer \""
                    + layer.getLayerName() + "\" (" + layer.getClass().getSimpleName() + ") makes 3-D activations, "
                    + "and DL4J's BatchNormalization only normalizes rank 2 and rank 4 inputs; "
                    + "keep SyncBatchNormalization (it runs with world size 1 without any cluster)");
        }
    }

    /** The value in {@code from} that becomes parameter {@code key} of the converted layer. */
    static INDArray sourceValue(Layer from, Map<String, INDArray> src, String key, INDArray dst) {
        INDArray direct = src.get(key);
        if (direct != null) {
            return direct;
        }
        org.deeplearning4j.nn.conf.layers.Layer conf = from.conf().getLayer();
        if (SyncBatchNormParamInitializer.GLOBAL_VAR.equals(key)
                && src.containsKey(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
            INDArray log10Std = src.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            INDArray std = Transforms.pow(Nd4j.valueArrayOf(log10Std.shape(), 10.0, log10Std.dataType()), log10Std, false);
            return std.muli(std);
        }
        if (conf instanceof SyncBatchNormalization s && SyncBatchNormParamInitializer.GAMMA.equals(key)) {
            return Nd4j.valueArrayOf(dst.shape(), s.fixedGamma(), dst.dataType());
        }
        if (conf instanceof SyncBatchNormalization s && SyncBatchNormParamInitializer.BETA.equals(key)) {
            return Nd4j.valueArrayOf(dst.shape(), s.fixedBeta(), dst.dataType());
        }
        throw new IllegalStateException("layer \"" + conf.getLayerName() + "\" has no parameter \"" + key
                + "\" to copy into the converted layer (it has " + src.keySet() + ")");
    }

    /** Copies the fields every DL4J layer configuration shares (name, updater, dropout, constraints, nIn/nOut). */
    private static void copyBaseFields(FeedForwardLayer from, FeedForwardLayer to) {
        ConfigFields.copy(from, to, FeedForwardLayer.class);
    }
}
