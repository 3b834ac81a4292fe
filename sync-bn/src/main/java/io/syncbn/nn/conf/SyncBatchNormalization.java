package io.syncbn.nn.conf;

import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.nn.params.SyncBatchNormParamInitializer;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Synchronized batch normalization: batch normalization (S. Ioffe and C. Szegedy, "Batch
 * Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift", ICML 2015)
 * whose training-mode statistics are those of the global batch — the concatenation of every
 * worker's shard — as in PyTorch's {@code SyncBatchNorm}.
 *
 * <p><b>Statistics.</b> Per channel, over every other axis: for {@code [N,C,H,W]} over
 * {@code N·H·W} values, so a worker holding one image still contributes statistics. The channel
 * axis comes from the data format (rank 2 {@code [N,C]}; rank 4 {@link CNN2DFormat} NCHW or NHWC;
 * rank 5 {@link Convolution3D.DataFormat} NCDHW or NDHWC; rank 3 {@code [N,C,T]}), or from {@link
 * Builder#axis(int)}. The batch axis 0 is never normalized. Training normalizes with the global mean
 * and the biased global variance; fewer than 2 values per channel across all workers is refused.
 *
 * <p><b>Running statistics</b> follow DL4J's {@code decay} convention: {@code running = decay ·
 * running + (1 − decay) · batch}. DL4J {@code decay} 0.9 is PyTorch {@code momentum} 0.1 and Keras
 * {@code momentum} 0.9. The running variance is updated with the <em>unbiased</em> global variance
 * {@code M2 / (count − 1)}, as in the BN paper and PyTorch ({@link RunningVariance#UNBIASED}, the
 * default); {@link RunningVariance#BIASED} uses {@code M2 / count}, as Keras and DL4J's own layer do.
 * Inference uses the running statistics and never communicates.
 *
 * <p><b>Parameters</b> {@code gamma} (scale), {@code beta} (shift), {@code mean} and {@code var}
 * (running statistics, not trained by the updater: the layer updates them in its training forward
 * pass). {@code gamma} is absent when {@link Builder#scale(boolean) scale} is off or gamma/beta are
 * {@linkplain Builder#lockGammaBeta(boolean) locked}; {@code beta} likewise with {@code center}.
 *
 * <p>Which replicas synchronize is decided at run time by the {@link io.syncbn.collective.Collective}
 * attached to the layer ({@link io.syncbn.nn.SyncBatchNorm#attach}); with none, or world size 1,
 * the layer is plain batch normalization — the "local BN" baseline. Attached to a group of the
 * replicas ({@link io.syncbn.collective.Collective#split}), it normalizes with the group's statistics
 * (group-synchronized BN); the trainer then averages the groups' running statistics ({@link
 * io.syncbn.nn.RunningStatistics}).
 *
 * <p><b>Fine-tuning.</b> {@code useGlobalStats(true)} normalizes with the running statistics in
 * training while gamma and beta still train; wrapping the layer in DL4J's {@code FrozenLayer} (what
 * {@code TransferLearning}'s feature extractor does) or {@code FrozenLayerWithBackprop} fixes gamma,
 * beta and the running statistics as DL4J does for its own BN: the layer then always runs in inference
 * mode (backprop through {@code FrozenLayerWithBackprop} treats the running statistics as constants)
 * and never communicates ({@link io.syncbn.nn.SyncBatchNorm#trainedLayers}).
 *
 * <p><b>Small-batch variants.</b> {@link Builder#virtualBatchSize(int) Ghost batch normalization}
 * (Hoffer et al. 2017) normalizes virtual batches of a worker's shard; {@link Builder#renorm(double,
 * double, int) batch renormalization} (Ioffe 2017) corrects the batch statistics toward moving averages
 * kept in two more parameters, {@code renormMean} and {@code renormStd}. They do not combine.
 */
public class SyncBatchNormalization extends FeedForwardLayer {

    private static final long serialVersionUID = 1L;

    /** Default momentum of the batch-renormalization averages (Keras's {@code renorm_momentum}). */
    public static final double DEFAULT_RENORM_MOMENTUM = 0.99;

    /** Channel axis chosen from the input rank and the data format. */
    public static final int AXIS_FROM_FORMAT = -1;

    /** Which variance estimate updates the running variance. */
    public enum RunningVariance {
        /** {@code M2 / (count − 1)}: BN paper, PyTorch. */
        UNBIASED,
        /** {@code M2 / count}: Keras, DL4J's {@code BatchNormalization}. */
        BIASED
    }

    private double decay = 0.9;
    private double eps = 1e-5;
    private boolean center = true;
    private boolean scale = true;
    private double gammaInit = 1.0;
    private double betaInit = 0.0;
    private double runningMeanInit = 0.0;
    private double runningVarInit = 1.0;
    private boolean lockGammaBeta;
    private boolean useGlobalStats;
    private RunningVariance runningVariance = RunningVariance.UNBIASED;
    private CNN2DFormat cnn2DFormat = CNN2DFormat.NCHW;
    private Convolution3D.DataFormat cnn3DFormat = Convolution3D.DataFormat.NCDHW;
    private int axis = AXIS_FROM_FORMAT;
    private int virtualBatchSize;
    private double renormRMax;
    private double renormDMax;
    private int renormRampSteps;
    private double renormMomentum = DEFAULT_RENORM_MOMENTUM;

    /** For JSON deserialization; use the {@link Builder}. */
    public SyncBatchNormalization() {
        this(new Builder());
    }

    private SyncBatchNormalization(Builder b) {
        super(b);
        this.decay = b.decay;
        this.eps = b.eps;
        this.center = b.center;
        this.scale = b.scale;
        this.gammaInit = b.gammaInit;
        this.betaInit = b.betaInit;
        this.runningMeanInit = b.runningMeanInit;
        this.runningVarInit = b.runningVarInit;
        this.lockGammaBeta = b.lockGammaBeta;
        this.useGlobalStats = b.useGlobalStats;
        this.runningVariance = b.runningVariance;
        this.cnn2DFormat = b.cnn2DFormat;
        this.cnn3DFormat = b.cnn3DFormat;
        this.axis = b.axis;
        this.virtualBatchSize = b.virtualBatchSize;
        this.renormRMax = b.renormRMax;
        this.renormDMax = b.renormDMax;
        this.renormRampSteps = b.renormRampSteps;
        this.renormMomentum = b.renormMomentum;
        initializeConstraints(b);
        validate();
    }

    /**
     * Checks every option against its rule; called by the builder and before the layer is
     * instantiated, so configurations read from JSON pass the same checks.
     */
    public void validate() {
        if (!(decay >= 0 && decay <= 1)) {
            throw new IllegalArgumentException("decay must be in [0, 1] (DL4J convention: running = decay * running"
                    + " + (1 - decay) * batch; PyTorch momentum 0.1 is decay 0.9), but got " + decay);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps must be a finite number >= 0, but got " + eps);
        }
        if (!(runningVarInit >= 0) || Double.isInfinite(runningVarInit)) {
            throw new IllegalArgumentException("runningVarInit must be a finite number >= 0, but got " + runningVarInit);
        }
        for (double v : new double[] {gammaInit, betaInit, runningMeanInit}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("gammaInit, betaInit and runningMeanInit must be finite, but got "
                        + gammaInit + ", " + betaInit + ", " + runningMeanInit);
            }
        }
        if (axis == 0) {
            throw new IllegalArgumentException("axis must not be 0: the batch axis cannot be normalized, because an "
                    + "example's position in its batch carries no meaning and inference batches differ in size; "
                    + "give the channel axis (1 for NCHW/NCDHW/[N,C]) or leave the axis to the data format");
        }
        if (axis < AXIS_FROM_FORMAT) {
            throw new IllegalArgumentException("axis must be a dimension index >= 1, or " + AXIS_FROM_FORMAT
                    + " to take it from the data format, but got " + axis);
        }
        if (virtualBatchSize < 0) {
            throw new IllegalArgumentException("virtualBatchSize must be at least 1 (examples per ghost batch), or 0 "
                    + "for none, but got " + virtualBatchSize);
        }
        validateRenorm();
        Objects.requireNonNull(runningVariance, "runningVariance");
        Objects.requireNonNull(cnn2DFormat, "cnn2DFormat");
        Objects.requireNonNull(cnn3DFormat, "cnn3DFormat");
    }

    private void validateRenorm() {
        if (renormRMax == 0) {
            return;
        }
        if (!(renormRMax >= 1) || Double.isInfinite(renormRMax)) {
            throw new IllegalArgumentException("renorm rMax must be a finite number >= 1 (r is clipped to [1/rMax, "
                    + "rMax]; 1 with dMax 0 is plain BN), or 0 for no batch renormalization, but got " + renormRMax);
        }
        if (!(renormDMax >= 0) || Double.isInfinite(renormDMax)) {
            throw new IllegalArgumentException("renorm dMax must be a finite number >= 0 (d is clipped to [-dMax, "
                    + "dMax]), but got " + renormDMax);
        }
        if (renormRampSteps < 0) {
            throw new IllegalArgumentException("renorm ramp steps must be at least 0 (0: rMax and dMax from the first "
                    + "step), but got " + renormRampSteps);
        }
        if (!(renormMomentum >= 0 && renormMomentum <= 1)) {
            throw new IllegalArgumentException("renormMomentum must be in [0, 1] (Keras convention: average = "
                    + "momentum * average + (1 - momentum) * batch), but got " + renormMomentum);
        }
        if (virtualBatchSize > 0) {
            throw new IllegalArgumentException("batch renormalization (rMax " + renormRMax + ") and ghost batch "
                    + "normalization (virtualBatchSize " + virtualBatchSize + ") cannot be combined; use one of them");
        }
    }

    /** Whether the layer trains with batch renormalization ({@link Builder#renorm(double, double, int)}). */
    public boolean isRenorm() {
        return renormRMax > 0;
    }

    /**
     * The clipping bounds of batch renormalization at training step {@code iteration}: {@code [rMax,
     * dMax]}, ramped linearly from {@code [1, 0]} at step 0 to the configured values at step {@code
     * rampSteps} (Ioffe 2017, section 4: r and d start unclipped to plain BN and are relaxed gradually).
     */
    public double[] renormBounds(long iteration) {
        double f = renormRampSteps == 0 ? 1 : Math.min(1.0, (double) iteration / renormRampSteps);
        return new double[] {1 + (renormRMax - 1) * f, renormDMax * f};
    }

    /**
     * The channel axis of an input of rank {@code rank}.
     *
     * @throws IllegalArgumentException for ranks other than 2 to 5, or an explicit axis out of range
     */
    public int channelAxis(int rank) {
        if (rank < 2 || rank > 5) {
            throw new IllegalArgumentException("layer \"" + getLayerName() + "\": input rank must be 2 ([N,C]), 3 ([N,C,T]), "
                    + "4 (NCHW or NHWC) or 5 (NCDHW or NDHWC), but got rank " + rank);
        }
        if (axis != AXIS_FROM_FORMAT) {
            if (axis >= rank) {
                throw new IllegalArgumentException("layer \"" + getLayerName() + "\": axis must be in [1, " + rank
                        + ") for an input of rank " + rank + ", but got " + axis);
            }
            return axis;
        }
        switch (rank) {
            case 4:
                return cnn2DFormat == CNN2DFormat.NHWC ? 3 : 1;
            case 5:
                return cnn3DFormat == Convolution3D.DataFormat.NDHWC ? 4 : 1;
            default:
                return 1;
        }
    }

    /** Whether {@code gamma} is a trainable parameter. */
    public boolean hasGammaParam() {
        return scale && !lockGammaBeta;
    }

    /** Whether {@code beta} is a trainable parameter. */
    public boolean hasBetaParam() {
        return center && !lockGammaBeta;
    }

    /** The scale applied when {@code gamma} is not a parameter: the initial value if locked, else 1. */
    public double fixedGamma() {
        return scale ? gammaInit : 1.0;
    }

    /** The shift applied when {@code beta} is not a parameter: the initial value if locked, else 0. */
    public double fixedBeta() {
        return center ? betaInit : 0.0;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNOutSet("SyncBatchNormalization", getLayerName(), layerIndex, getNOut());
        validate();
        return RuntimeLayers.wire(new SyncBatchNormalizationLayer(conf, networkDataType), conf, initializer(),
                trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return SyncBatchNormParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null) {
            throw new IllegalStateException("layer \"" + getLayerName() + "\" (index " + layerIndex
                    + "): input type must be FF, CNN, CNNFlat, CNN3D or RNN, but got null");
        }
        switch (inputType.getType()) {
            case FF:
            case CNN:
            case CNNFlat:
            case CNN3D:
            case RNN:
                return inputType;
            default:
                throw new IllegalStateException("layer \"" + getLayerName() + "\" (index " + layerIndex
                        + "): input type must be FF, CNN, CNNFlat, CNN3D or RNN, but got " + inputType);
        }
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn > 0 && !override) {
            return;
        }
        switch (inputType.getType()) {
            case FF:
                nIn = ((InputType.InputTypeFeedForward) inputType).getSize();
                break;
            case CNN:
                InputType.InputTypeConvolutional cnn = (InputType.InputTypeConvolutional) inputType;
                nIn = cnn.getChannels();
                cnn2DFormat = cnn.getFormat();
                break;
            case CNN3D:
                // The 3-D layout is not taken from the input type: DL4J 1.0.0-M2 reports NDHWC for the
                // output of a Convolution3D in Truncate mode whatever its data format. It comes from
                // the builder's dataFormat(Convolution3D.DataFormat) (default NCDHW).
                nIn = ((InputType.InputTypeConvolutional3D) inputType).getChannels();
                break;
            case CNNFlat:
                nIn = ((InputType.InputTypeConvolutionalFlat) inputType).getDepth();
                break;
            case RNN:
                nIn = ((InputType.InputTypeRecurrent) inputType).getSize();
                break;
            default:
                throw new IllegalStateException("layer \"" + getLayerName()
                        + "\": input type must be FF, CNN, CNNFlat, CNN3D or RNN, but got " + inputType);
        }
        nOut = nIn;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        if (inputType.getType() == InputType.Type.CNNFlat) {
            InputType.InputTypeConvolutionalFlat flat = (InputType.InputTypeConvolutionalFlat) inputType;
            return new FeedForwardToCnnPreProcessor(flat.getHeight(), flat.getWidth(), flat.getDepth());
        }
        return null;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return Collections.emptyList();
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        switch (paramName) {
            case SyncBatchNormParamInitializer.GAMMA:
            case SyncBatchNormParamInitializer.BETA:
                return iUpdater;
            case SyncBatchNormParamInitializer.GLOBAL_MEAN:
            case SyncBatchNormParamInitializer.GLOBAL_VAR:
            case SyncBatchNormParamInitializer.RENORM_MEAN:
            case SyncBatchNormParamInitializer.RENORM_STD:
                return new NoOp();
            default:
                throw new IllegalArgumentException("layer \"" + getLayerName() + "\" has parameters gamma, beta, mean "
                        + "and var, but got \"" + paramName + "\"");
        }
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType outputType = getOutputType(-1, inputType);
        long numParams = initializer().numParams(this);
        long updaterStateSize = 0;
        for (String key : SyncBatchNormParamInitializer.getInstance().paramKeys(this)) {
            updaterStateSize += getUpdaterByParam(key).stateSize(nOut);
        }
        long perExample = inputType.arrayElementsPerExample() + outputType.arrayElementsPerExample();
        return new LayerMemoryReport.Builder(layerName, SyncBatchNormalization.class, inputType, outputType)
                .standardMemory(numParams, updaterStateSize)
                .workingMemory(0, 0, 6L * nOut, perExample)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public SyncBatchNormalization clone() {
        return (SyncBatchNormalization) super.clone();
    }

    // Getters and setters: DL4J's JSON mapper and conversions use them.

    /** Running-statistics decay (DL4J convention; PyTorch momentum = 1 − decay). */
    public double getDecay() {
        return decay;
    }

    /** @see #getDecay() */
    public void setDecay(double decay) {
        this.decay = decay;
    }

    /** Added to the variance before the square root. */
    public double getEps() {
        return eps;
    }

    /** @see #getEps() */
    public void setEps(double eps) {
        this.eps = eps;
    }

    /** Whether the output is shifted by beta. */
    public boolean isCenter() {
        return center;
    }

    /** @see #isCenter() */
    public void setCenter(boolean center) {
        this.center = center;
    }

    /** Whether the output is scaled by gamma. */
    public boolean isScale() {
        return scale;
    }

    /** @see #isScale() */
    public void setScale(boolean scale) {
        this.scale = scale;
    }

    /** Initial (or, when locked, fixed) gamma. */
    public double getGammaInit() {
        return gammaInit;
    }

    /** @see #getGammaInit() */
    public void setGammaInit(double gammaInit) {
        this.gammaInit = gammaInit;
    }

    /** Initial (or, when locked, fixed) beta. */
    public double getBetaInit() {
        return betaInit;
    }

    /** @see #getBetaInit() */
    public void setBetaInit(double betaInit) {
        this.betaInit = betaInit;
    }

    /** Initial running mean. */
    public double getRunningMeanInit() {
        return runningMeanInit;
    }

    /** @see #getRunningMeanInit() */
    public void setRunningMeanInit(double runningMeanInit) {
        this.runningMeanInit = runningMeanInit;
    }

    /** Initial running variance. */
    public double getRunningVarInit() {
        return runningVarInit;
    }

    /** @see #getRunningVarInit() */
    public void setRunningVarInit(double runningVarInit) {
        this.runningVarInit = runningVarInit;
    }

    /** Whether gamma and beta are frozen at their initial values (not parameters). */
    public boolean isLockGammaBeta() {
        return lockGammaBeta;
    }

    /** @see #isLockGammaBeta() */
    public void setLockGammaBeta(boolean lockGammaBeta) {
        this.lockGammaBeta = lockGammaBeta;
    }

    /** Whether training also normalizes with the running statistics (Caffe's {@code use_global_stats}). */
    public boolean isUseGlobalStats() {
        return useGlobalStats;
    }

    /** @see #isUseGlobalStats() */
    public void setUseGlobalStats(boolean useGlobalStats) {
        this.useGlobalStats = useGlobalStats;
    }

    /** Which variance estimate updates the running variance. */
    public RunningVariance getRunningVariance() {
        return runningVariance;
    }

    /** @see #getRunningVariance() */
    public void setRunningVariance(RunningVariance runningVariance) {
        this.runningVariance = runningVariance;
    }

    /** Layout of rank-4 inputs. */
    public CNN2DFormat getCnn2DFormat() {
        return cnn2DFormat;
    }

    /** @see #getCnn2DFormat() */
    public void setCnn2DFormat(CNN2DFormat cnn2DFormat) {
        this.cnn2DFormat = cnn2DFormat;
    }

    /** Layout of rank-5 inputs. */
    public Convolution3D.DataFormat getCnn3DFormat() {
        return cnn3DFormat;
    }

    /** @see #getCnn3DFormat() */
    public void setCnn3DFormat(Convolution3D.DataFormat cnn3DFormat) {
        this.cnn3DFormat = cnn3DFormat;
    }

    /** Explicit channel axis, or {@link #AXIS_FROM_FORMAT}. */
    public int getAxis() {
        return axis;
    }

    /** @see #getAxis() */
    public void setAxis(int axis) {
        this.axis = axis;
    }

    /**
     * Examples per ghost batch (Hoffer et al. 2017, "Train longer, generalize better", section 4; Keras's
     * {@code virtual_batch_size}), or 0 for none.
     */
    public int getVirtualBatchSize() {
        return virtualBatchSize;
    }

    /** @see #getVirtualBatchSize() */
    public void setVirtualBatchSize(int virtualBatchSize) {
        this.virtualBatchSize = virtualBatchSize;
    }

    /** Batch renormalization's largest r, or 0 when the layer does not renormalize. */
    public double getRenormRMax() {
        return renormRMax;
    }

    /** @see #getRenormRMax() */
    public void setRenormRMax(double renormRMax) {
        this.renormRMax = renormRMax;
    }

    /** Batch renormalization's largest |d|. */
    public double getRenormDMax() {
        return renormDMax;
    }

    /** @see #getRenormDMax() */
    public void setRenormDMax(double renormDMax) {
        this.renormDMax = renormDMax;
    }

    /** Steps over which rMax and dMax ramp up from 1 and 0 (0: none). */
    public int getRenormRampSteps() {
        return renormRampSteps;
    }

    /** @see #getRenormRampSteps() */
    public void setRenormRampSteps(int renormRampSteps) {
        this.renormRampSteps = renormRampSteps;
    }

    /** Momentum of the renormalization averages, Keras convention (default {@value #DEFAULT_RENORM_MOMENTUM}). */
    public double getRenormMomentum() {
        return renormMomentum;
    }

    /** @see #getRenormMomentum() */
    public void setRenormMomentum(double renormMomentum) {
        this.renormMomentum = renormMomentum;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SyncBatchNormalization) || !super.equals(o)) {
            return false;
        }
        SyncBatchNormalization other = (SyncBatchNormalization) o;
        return Double.compare(decay, other.decay) == 0 && Double.compare(eps, other.eps) == 0
                && center == other.center && scale == other.scale
                && Double.compare(gammaInit, other.gammaInit) == 0 && Double.compare(betaInit, other.betaInit) == 0
                && Double.compare(runningMeanInit, other.runningMeanInit) == 0
                && Double.compare(runningVarInit, other.runningVarInit) == 0
                && lockGammaBeta == other.lockGammaBeta && useGlobalStats == other.useGlobalStats
                && runningVariance == other.runningVariance && cnn2DFormat == other.cnn2DFormat
                && cnn3DFormat == other.cnn3DFormat && axis == other.axis && virtualBatchSize == other.virtualBatchSize
                && Double.compare(renormRMax, other.renormRMax) == 0 && Double.compare(renormDMax, other.renormDMax) == 0
                && renormRampSteps == other.renormRampSteps
                && Double.compare(renormMomentum, other.renormMomentum) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), decay, eps, center, scale, gammaInit, betaInit, runningMeanInit,
                runningVarInit, lockGammaBeta, useGlobalStats, runningVariance, cnn2DFormat, cnn3DFormat, axis,
                virtualBatchSize, renormRMax, renormDMax, renormRampSteps, renormMomentum);
    }

    @Override
    public String toString() {
        return "SyncBatchNormalization(name=" + getLayerName() + ", nIn=" + nIn + ", nOut=" + nOut + ", decay=" + decay
                + ", eps=" + eps + ", center=" + center + ", scale=" + scale + ", gammaInit=" + gammaInit
                + ", betaInit=" + betaInit + ", lockGammaBeta=" + lockGammaBeta + ", useGlobalStats=" + useGlobalStats
                + ", runningVariance=" + runningVariance + ", cnn2DFormat=" + cnn2DFormat + ", cnn3DFormat="
                + cnn3DFormat + ", axis=" + axis + ", virtualBatchSize=" + virtualBatchSize + ", renormRMax=" + renormRMax
                + ", renormDMax=" + renormDMax + ", renormRampSteps=" + renormRampSteps + ", renormMomentum="
                + renormMomentum + ")";
    }

    /** Builds a {@link SyncBatchNormalization}, in the style of DL4J's layer builders. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private double decay = 0.9;
        private double eps = 1e-5;
        private boolean center = true;
        private boolean scale = true;
        private double gammaInit = 1.0;
        private double betaInit = 0.0;
        private double runningMeanInit = 0.0;
        private double runningVarInit = 1.0;
        private boolean lockGammaBeta;
        private boolean useGlobalStats;
        private RunningVariance runningVariance = RunningVariance.UNBIASED;
        private CNN2DFormat cnn2DFormat = CNN2DFormat.NCHW;
        private Convolution3D.DataFormat cnn3DFormat = Convolution3D.DataFormat.NCDHW;
        private int axis = AXIS_FROM_FORMAT;
        private int virtualBatchSize;
        private double renormRMax;
        private double renormDMax;
        private int renormRampSteps;
        private double renormMomentum = DEFAULT_RENORM_MOMENTUM;

        /** A builder with the defaults: decay 0.9, eps 1e-5, learned gamma and beta, NCHW/NCDHW. */
        public Builder() {
        }

        /** Running-statistics decay in [0, 1] (DL4J convention; PyTorch momentum = 1 − decay). */
        public Builder decay(double decay) {
            this.decay = decay;
            return this;
        }

        /** Variance epsilon, at least 0. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Whether to shift by beta (default true). */
        public Builder center(boolean center) {
            this.center = center;
            return this;
        }

        /** Whether to scale by gamma (default true). */
        public Builder scale(boolean scale) {
            this.scale = scale;
            return this;
        }

        /** Initial gamma (default 1). */
        public Builder gammaInit(double gammaInit) {
            this.gammaInit = gammaInit;
            return this;
        }

        /** Initial beta (default 0). */
        public Builder betaInit(double betaInit) {
            this.betaInit = betaInit;
            return this;
        }

        /** Initial running mean (default 0). */
        public Builder runningMeanInit(double runningMeanInit) {
            this.runningMeanInit = runningMeanInit;
            return this;
        }

        /** Initial running variance (default 1). */
        public Builder runningVarInit(double runningVarInit) {
            this.runningVarInit = runningVarInit;
            return this;
        }

        /** Freeze gamma and beta at their initial values (default false). */
        public Builder lockGammaBeta(boolean lockGammaBeta) {
            this.lockGammaBeta = lockGammaBeta;
            return this;
        }

        /**
         * Normalize with the running statistics during training too (Caffe's {@code use_global_stats}),
         * for fine-tuning with batches too small for batch statistics. No communication.
         */
        public Builder useGlobalStats(boolean useGlobalStats) {
            this.useGlobalStats = useGlobalStats;
            return this;
        }

        /** Which variance estimate updates the running variance (default {@link RunningVariance#UNBIASED}). */
        public Builder runningVariance(RunningVariance runningVariance) {
            this.runningVariance = runningVariance;
            return this;
        }

        /** Layout of rank-4 inputs (default NCHW; set from the input type when given). */
        public Builder dataFormat(CNN2DFormat format) {
            this.cnn2DFormat = format;
            return this;
        }

        /** Layout of rank-5 inputs (default NCDHW; set from the input type when given). */
        public Builder dataFormat(Convolution3D.DataFormat format) {
            this.cnn3DFormat = format;
            return this;
        }

        /** Explicit channel axis (at least 1), overriding the data format. */
        public Builder axis(int axis) {
            this.axis = axis;
            return this;
        }

        /**
         * Ghost batch normalization (Hoffer et al. 2017; Keras's {@code virtual_batch_size}): in training,
         * each worker's shard is split into consecutive virtual batches of {@code v} examples (a
         * shorter last one allowed), each normalized with its own statistics, in every BN mode: a
         * virtual batch is local to a worker, so the statistics are never communicated. The running
         * statistics are updated once per step from the mean over the virtual batches of their means
         * and variances (as Keras does), then averaged across workers by the trainer. Every virtual
         * batch needs at least 2 values per channel. 0 (the default): no virtual batches.
         */
        public Builder virtualBatchSize(int v) {
            this.virtualBatchSize = v;
            return this;
        }

        /**
         * Batch renormalization (Ioffe 2017, "Batch Renormalization: Towards Reducing Minibatch Dependence
         * in Batch-Normalized Models"; Keras's {@code renorm}, {@code renorm_clipping}, {@code
         * renorm_momentum}). In training, the normalized value is {@code (x - muB)/sigmaB * r + d} with
         * {@code r = clip(sigmaB/sigma, 1/rMax, rMax)} and {@code d = clip((muB - mu)/sigma, -dMax, dMax)},
         * where {@code muB, sigmaB = sqrt(varB + eps)} are the batch statistics (synchronized like any
         * other: the global batch in sync mode, the group's in group mode) and {@code mu, sigma} are the
         * renormalization averages (parameters {@code renormMean}, {@code renormStd}, initialized to the
         * running mean's initial value and {@code sqrt(runningVarInit)}; sigma is used no smaller than
         * {@code sqrt(eps)}), updated after r and d are computed with {@link #renormMomentum} in Keras's
         * convention. r and d are constants in backpropagation. The running statistics that inference
         * uses follow the renormalization averages ({@code mean = decay * mean + (1 - decay) * mu}, the
         * variance toward {@code sigma^2 - eps}), as in Keras; {@link #runningVariance} does not apply.
         * rMax = 1 and dMax = 0 train exactly as plain BN. Not combinable with ghost BN.
         *
         * @param rMax largest r, at least 1
         * @param dMax largest |d|, at least 0
         * @param rampSteps rMax and dMax grow linearly from 1 and 0 over this many training steps of the
         *     network (its iteration count; 0: the full bounds from the start), as the paper's schedule
         */
        public Builder renorm(double rMax, double dMax, int rampSteps) {
            this.renormRMax = rMax;
            this.renormDMax = dMax;
            this.renormRampSteps = rampSteps;
            return this;
        }

        /** Momentum of the renormalization averages, Keras convention (default {@value #DEFAULT_RENORM_MOMENTUM}). */
        public Builder renormMomentum(double momentum) {
            this.renormMomentum = momentum;
            return this;
        }

        /** Validates the options and builds the configuration. */
        @Override
        @SuppressWarnings("unchecked")
        public SyncBatchNormalization build() {
            return new SyncBatchNormalization(this);
        }
    }
}
