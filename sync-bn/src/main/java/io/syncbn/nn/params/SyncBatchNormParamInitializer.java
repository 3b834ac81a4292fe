package io.syncbn.nn.params;

import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Lays out {@code [gamma, beta, mean, var, renormMean, renormStd]} (each {@code nOut} long; gamma and
 * beta only when they are parameters, the last two only with batch renormalization) in the layer's view of the flattened parameter vector. The keys are those of DL4J's
 * {@code BatchNormalizationParamInitializer}, so parameters copy across by name.
 */
public final class SyncBatchNormParamInitializer implements ParamInitializer {

    /** Scale. */
    public static final String GAMMA = "gamma";
    /** Shift. */
    public static final String BETA = "beta";
    /** Running mean. */
    public static final String GLOBAL_MEAN = "mean";
    /** Running variance. */
    public static final String GLOBAL_VAR = "var";
    /** Batch renormalization's moving mean (only with renormalization). */
    public static final String RENORM_MEAN = "renormMean";
    /** Batch renormalization's moving standard deviation (only with renormalization). */
    public static final String RENORM_STD = "renormStd";

    private static final SyncBatchNormParamInitializer INSTANCE = new SyncBatchNormParamInitializer();

    private SyncBatchNormParamInitializer() {
    }

    /** The stateless shared instance. */
    public static SyncBatchNormParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return paramKeys(layer).size() * ((SyncBatchNormalization) layer).getNOut();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        SyncBatchNormalization bn = (SyncBatchNormalization) layer;
        List<String> keys = new ArrayList<>(4);
        if (bn.hasGammaParam()) {
            keys.add(GAMMA);
        }
        if (bn.hasBetaParam()) {
            keys.add(BETA);
        }
        keys.add(GLOBAL_MEAN);
        keys.add(GLOBAL_VAR);
        if (bn.isRenorm()) {
            keys.add(RENORM_MEAN);
            keys.add(RENORM_STD);
        }
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Collections.emptyList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return false;
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramView, boolean initializeParams) {
        SyncBatchNormalization bn = (SyncBatchNormalization) conf.getLayer();
        Map<String, INDArray> params = Collections.synchronizedMap(slice(bn, paramView));
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            conf.addVariable(e.getKey());
            if (initializeParams) {
                e.getValue().assign(initialValue(bn, e.getKey()));
            }
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return slice((SyncBatchNormalization) conf.getLayer(), gradientView);
    }

    private static double initialValue(SyncBatchNormalization bn, String key) {
        switch (key) {
            case GAMMA:
                return bn.getGammaInit();
            case BETA:
                return bn.getBetaInit();
            case GLOBAL_MEAN:
            case RENORM_MEAN:
                return bn.getRunningMeanInit();
            case RENORM_STD:
                return Math.sqrt(bn.getRunningVarInit());
            default:
                return bn.getRunningVarInit();
        }
    }

    private Map<String, INDArray> slice(SyncBatchNormalization bn, INDArray flat) {
        long n = bn.getNOut();
        long expected = numParams(bn);
        if (flat.length() != expected) {
            throw new IllegalArgumentException("layer \"" + bn.getLayerName() + "\" needs " + expected
                    + " parameters (" + paramKeys(bn) + " x " + n + "), but its view has " + flat.length());
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        for (String key : paramKeys(bn)) {
            out.put(key, flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offset, offset + n)));
            offset += n;
        }
        return out;
    }
}
