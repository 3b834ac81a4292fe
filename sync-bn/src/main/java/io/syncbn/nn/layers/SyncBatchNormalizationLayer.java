package io.syncbn.nn.layers;

import io.syncbn.collective.Collective;
import io.syncbn.collective.SingleCollective;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.nn.kernel.BatchNormKernels;
import io.syncbn.nn.kernel.ChannelLayout;
import io.syncbn.nn.kernel.TensorIO;
import io.syncbn.nn.params.SyncBatchNormParamInitializer;
import io.syncbn.stats.ChannelMoments;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of {@link SyncBatchNormalization}; see that class for the semantics.
 *
 * <p>Per training step and layer it makes exactly two collective calls, both on the attached {@link
 * Collective}: in the forward pass one all-reduce of the packed local moments {@code [count, mean,
 * M2]} with Chan's merge ({@link ChannelMoments#MERGE}); in the backward pass one all-reduce-sum of
 * {@code [sum(dy), sum(dy * xhat)]}. Input gradients use the global count; the gamma and beta
 * gradients stay local sums, because the trainer sums gradients across workers. Inference, and
 * training with {@code useGlobalStats}, never communicate.
 *
 * <p>The running statistics are updated in the training forward pass, from the global statistics
 * (identical on every replica); their gradients are zero and their updater is {@code NoOp}.
 */
public class SyncBatchNormalizationLayer extends BaseLayer<SyncBatchNormalization> {

    private static final long serialVersionUID = 1L;

    private transient Collective collective = SingleCollective.instance();

    /** What the backward pass needs from the last training forward pass. */
    private transient ForwardState forward;

    /** Global statistics of the last training forward pass, for inspection. */
    private transient ChannelMoments lastBatchMoments;

    /** This worker's own statistics in the last training forward pass (empty without examples). */
    private transient ChannelMoments lastLocalMoments;

    /** What inference normalizes with; {@link InferenceStatistics#RUNNING} unless a diagnostic asks otherwise. */
    private transient InferenceStatistics inferenceStatistics = InferenceStatistics.RUNNING;

    /** Examples per block normalized together under {@link InferenceStatistics#BATCH}. */
    private transient int inferenceBlock = Integer.MAX_VALUE;

    /** Receives the moments of every input this layer normalizes, or {@code null}. */
    private transient Consumer<ChannelMoments> inputObserver;

    /**
     * Per-channel state of one forward pass; {@code ghost} holds the virtual batches of a ghost-BN pass,
     * {@code renorm} the corrections of a batch-renormalization pass.
     */
    private record ForwardState(long[] shape, double[] mean, double[] invStd, long globalCount, boolean batchStats,
            GhostBatchNorm.State ghost, BatchRenorm.Correction renorm) {
        ForwardState(long[] shape, double[] mean, double[] invStd, long globalCount, boolean batchStats) {
            this(shape, mean, invStd, globalCount, batchStats, null, null);
        }
    }

    /** The corrections of the last synchronized batch statistics under batch renormalization, or {@code null}. */
    private transient BatchRenorm.Correction pendingRenorm;

    /** Built by {@link SyncBatchNormalization#instantiate}. */
    public SyncBatchNormalizationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * Joins this layer to the replicas it synchronizes with. {@link SingleCollective} (the default)
     * makes it plain batch normalization.
     */
    public void setCollective(Collective collective) {
        this.collective = Objects.requireNonNull(collective, "collective");
    }

    /** The collective this layer synchronizes through. */
    public Collective getCollective() {
        return collective;
    }

    /**
     * The global batch statistics of the last training forward pass (count, mean, M2), or {@code null}
     * if there was none.
     */
    public ChannelMoments lastBatchMoments() {
        return lastBatchMoments;
    }

    /**
     * This worker's own batch statistics in the last training forward pass (before merging with the
     * other workers'), {@link ChannelMoments#empty empty} after {@link #forwardWithoutExamples()}, or
     * {@code null} if there was none.
     */
    public ChannelMoments lastLocalMoments() {
        return lastLocalMoments;
    }

    /** Forgets the statistics of the last training forward pass; a trainer calls it before each step. */
    public void clearLastMoments() {
        lastLocalMoments = null;
        lastBatchMoments = null;
    }

    /**
     * Chooses what inference-mode forward passes normalize with; it is not saved with the layer.
     * {@link InferenceStatistics#BATCH} is for diagnostics (the train/inference gap): each block of
     * {@code block} consecutive examples of an input (a shorter last one allowed) is normalized with
     * its own statistics, as a worker holding {@code block} examples per step was trained.
     *
     * @param block examples per block, at least 1; ignored for {@link InferenceStatistics#RUNNING}
     */
    public void setInferenceStatistics(InferenceStatistics statistics, int block) {
        if (block < 1) {
            throw new IllegalArgumentException("the block of examples normalized together must hold at least 1 "
                    + "example, but got " + block);
        }
        this.inferenceStatistics = Objects.requireNonNull(statistics, "statistics");
        this.inferenceBlock = block;
    }

    /**
     * Calls {@code observer} with the per-channel moments of every input this layer normalizes, in
     * training and inference (for population statistics); {@code null} stops observing.
     */
    public void setInputObserver(Consumer<ChannelMoments> observer) {
        this.inputObserver = observer;
    }

    @Override
    public Type type() {
        return Type.NORMALIZATION;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // No weight noise on normalization parameters.
    }

    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return SyncBatchNormParamInitializer.GAMMA.equals(paramName)
                || SyncBatchNormParamInitializer.BETA.equals(paramName);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        SyncBatchNormalization conf = layerConf();
        INDArray x = streamable(input);
        int axis = conf.channelAxis(x.rank());
        ChannelLayout layout = layoutOf(x, axis);

        if (!training && inferenceStatistics == InferenceStatistics.BATCH) {
            return normalizeBlocks(x, axis, workspaceMgr);
        }
        if (training && !conf.isUseGlobalStats() && conf.getVirtualBatchSize() > 0) {
            return ghostForward(x, axis, workspaceMgr);
        }
        double[] mean;
        double[] invStd;
        long globalCount;
        boolean batchStats = training && !conf.isUseGlobalStats();
        // Sequences [N, C, T] with a mask [N, T]: statistics of the real steps only.
        boolean masked = batchStats && maskArray != null && x.rank() == 3;
        if (masked) {
            SequenceMask.require(x, maskArray, axis, where());
        }
        ChannelMoments local = masked ? SequenceMask.moments(x, maskArray)
                : batchStats || inputObserver != null ? BatchNormKernels.moments(layout, TensorIO.of(x)) : null;
        if (inputObserver != null) {
            inputObserver.accept(local);
        }
        BatchRenorm.Correction renorm = null;
        if (batchStats) {
            lastLocalMoments = local;
            ChannelMoments global = synchronize(local, x.shape(), false);
            mean = global.mean();
            invStd = inverseStd(global.biasedVariance(), conf.getEps());
            globalCount = global.count();
            renorm = pendingRenorm;
        } else {
            mean = vector(SyncBatchNormParamInitializer.GLOBAL_MEAN);
            invStd = inverseStd(vector(SyncBatchNormParamInitializer.GLOBAL_VAR), conf.getEps());
            globalCount = -1;
        }

        double[] gamma = gamma(layout.channels());
        double[] shift = beta(layout.channels());
        double[] scale = new double[layout.channels()];
        for (int c = 0; c < scale.length; c++) {
            // Batch renormalization: gamma * (xhat * r + d) + beta = (gamma * r) * xhat + (beta + gamma * d).
            scale[c] = gamma[c] * invStd[c] * (renorm == null ? 1 : renorm.r()[c]);
            shift[c] += renorm == null ? 0 : gamma[c] * renorm.d()[c];
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        BatchNormKernels.normalize(layout, TensorIO.of(x), TensorIO.of(out), mean, scale, shift);
        // Inference keeps its state too: a FrozenLayerWithBackprop runs inference forward, then backprop.
        forward = new ForwardState(x.shape(), mean, invStd, globalCount, batchStats, null, renorm);
        return out;
    }

    /** Training with virtual batches ({@link SyncBatchNormalization.Builder#virtualBatchSize}): never communicates. */
    private INDArray ghostForward(INDArray x, int axis, LayerWorkspaceMgr workspaceMgr) {
        SyncBatchNormalization conf = layerConf();
        if (maskArray != null && x.rank() == 3) {
            throw new IllegalArgumentException(where() + ": ghost batch normalization (virtualBatchSize "
                    + conf.getVirtualBatchSize() + ") does not take a sequence mask; use virtualBatchSize 0 for "
                    + "masked sequences");
        }
        int channels = (int) conf.getNOut();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        GhostBatchNorm.State state = GhostBatchNorm.forward(x, out, axis, conf.getVirtualBatchSize(), conf.getEps(),
                gamma(channels), beta(channels), (count, shape) -> requireEnoughValues(count, 1, shape));
        if (inputObserver != null) {
            inputObserver.accept(state.whole());
        }
        lastLocalMoments = state.whole();
        lastBatchMoments = null;
        if (!state.blocks().isEmpty()) {
            double[][] update = GhostBatchNorm.runningUpdate(state,
                    conf.getRunningVariance() == SyncBatchNormalization.RunningVariance.UNBIASED);
            updateRunningStatistics(update[0], update[1]);
        }
        forward = new ForwardState(x.shape(), null, null, -1, true, state, null);
        return out;
    }

    /**
     * Inference with {@link InferenceStatistics#BATCH}: consecutive blocks of {@code inferenceBlock}
     * examples (a shorter last one allowed) are each normalized with their own statistics; nothing is
     * communicated or updated.
     */
    private INDArray normalizeBlocks(INDArray x, int axis, LayerWorkspaceMgr workspaceMgr) {
        forward = null;
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        int channels = (int) layerConf().getNOut();
        GhostBatchNorm.State blocks = GhostBatchNorm.forward(x, out, axis, inferenceBlock, layerConf().getEps(),
                gamma(channels), beta(channels), (count, shape) -> requireEnoughValues(count, 1, shape));
        if (inputObserver != null) {
            blocks.blocks().forEach(b -> inputObserver.accept(b.moments()));
        }
        return out;
    }

    /**
     * Takes part in a training step without examples, for a worker whose shard of the global batch is
     * empty: makes the same collective calls as a training forward pass (contributing no values),
     * and updates the running statistics from the global batch exactly as the other replicas do.
     * Follow it with {@link #backpropWithoutExamples()}. Does nothing when the layer trains with
     * running statistics (it would not communicate either).
     */
    public void forwardWithoutExamples() {
        SyncBatchNormalization conf = layerConf();
        if (conf.isUseGlobalStats()) {
            forward = null;
            return;
        }
        int channels = (int) conf.getNOut();
        lastLocalMoments = ChannelMoments.empty(channels);
        if (conf.getVirtualBatchSize() > 0) {
            forward = new ForwardState(new long[] {0, channels}, null, null, -1, true,
                    new GhostBatchNorm.State(java.util.List.of(), lastLocalMoments), null);
            return;
        }
        ChannelMoments global = synchronize(lastLocalMoments, new long[] {0, channels}, true);
        forward = new ForwardState(new long[] {0, channels}, global.mean(),
                inverseStd(global.biasedVariance(), conf.getEps()), global.count(), true);
    }

    /**
     * The backward half of {@link #forwardWithoutExamples()}: contributes zero sums to the backward
     * all-reduce and leaves zero gradients for gamma and beta.
     */
    public void backpropWithoutExamples() {
        SyncBatchNormalization conf = layerConf();
        for (INDArray view : gradientViews.values()) {
            view.assign(0);
        }
        if (conf.isUseGlobalStats()) {
            return;
        }
        if (forward == null || forward.shape()[0] != 0) {
            throw new IllegalStateException(where() + ": backpropWithoutExamples needs forwardWithoutExamples first");
        }
        if (forward.ghost() == null) {
            collective.allReduceSum(new double[2 * (int) conf.getNOut()]);
        }
    }

    /**
     * Merges this worker's moments with every other worker's (one collective call), checks the
     * global count, and updates the running statistics.
     *
     * @param sitOut whether a group without any value may sit the step out (the trainer's path for a
     *     worker without examples, {@link #forwardWithoutExamples()}): then it leaves the running
     *     statistics as they are, and the trainer's averaging across groups gives it no weight. Any
     *     other count below 2 is refused.
     */
    private ChannelMoments synchronize(ChannelMoments local, long[] shape, boolean sitOut) {
        pendingRenorm = null;
        double[] packed = local.pack();
        collective.allReduce(packed, ChannelMoments.MERGE);
        ChannelMoments global = ChannelMoments.unpack(packed, local.channels());
        lastBatchMoments = global;
        if (sitOut && global.count() == 0) {
            return global;
        }
        requireEnoughValues(global.count(), collective.worldSize(), shape);
        SyncBatchNormalization conf = layerConf();
        if (conf.isRenorm()) {
            pendingRenorm = renormalize(global);
        } else {
            updateRunningStatistics(global);
        }
        return global;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (forward == null) {
            throw new IllegalStateException(where() + ": backpropGradient needs a forward pass (activate) on the "
                    + "same input first");
        }
        INDArray x = streamable(input);
        INDArray dy = streamable(epsilon);
        if (!Arrays.equals(dy.shape(), forward.shape()) || !Arrays.equals(x.shape(), forward.shape())) {
            throw new IllegalArgumentException(where() + ": the gradient must have the shape of the forward input "
                    + Arrays.toString(forward.shape()) + ", but got " + Arrays.toString(dy.shape())
                    + " (input now " + Arrays.toString(x.shape()) + ")");
        }
        SyncBatchNormalization conf = layerConf();
        ChannelLayout layout = layoutOf(x, conf.channelAxis(x.rank()));
        int channels = layout.channels();

        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        double[][] gammaBeta = forward.ghost() != null
                ? GhostBatchNorm.backward(forward.ghost(), x, dy, dx, conf.channelAxis(x.rank()), gamma(channels))
                : plainBackward(layout, x, dy, dx);
        double[] localDGamma = gammaBeta[0];
        double[] localDBeta = gammaBeta[1];

        Gradient gradient = new DefaultGradient();
        SyncBatchNormalization c = layerConf();
        if (c.hasGammaParam()) {
            setGradient(gradient, SyncBatchNormParamInitializer.GAMMA, localDGamma);
        }
        if (c.hasBetaParam()) {
            setGradient(gradient, SyncBatchNormParamInitializer.BETA, localDBeta);
        }
        for (String key : gradientViews.keySet()) {
            if (!SyncBatchNormParamInitializer.GAMMA.equals(key) && !SyncBatchNormParamInitializer.BETA.equals(key)) {
                INDArray view = gradientViews.get(key);
                view.assign(0);
                gradient.setGradientFor(key, view);
            }
        }
        this.gradient = gradient;
        return new Pair<>(gradient, dx);
    }

    private double[][] plainBackward(ChannelLayout layout, INDArray x, INDArray dy, INDArray dx) {
        BatchRenorm.Correction renorm = forward.renorm();
        // Batch renormalization: r and d are constants, so the input sees gamma * r where plain BN sees gamma.
        double[] gamma = renorm == null ? gamma(layout.channels()) : renorm.scaled(gamma(layout.channels()));
        double[][] gammaBeta = SynchronizedBackward.run(layout, TensorIO.of(x), TensorIO.of(dy), TensorIO.of(dx),
                forward.mean(), forward.invStd(), gamma, forward.batchStats(), collective, forward.globalCount());
        if (renorm != null) {
            gammaBeta[0] = renorm.gammaGradient(gammaBeta[0], gammaBeta[1]);
        }
        if (forward.batchStats() && maskArray != null && x.rank() == 3) {
            double[] scale = new double[gamma.length];
            for (int c = 0; c < scale.length; c++) {
                scale[c] = gamma[c] * forward.invStd()[c];
            }
            SequenceMask.padGradient(dx, dy, maskArray, scale);
        }
        return gammaBeta;
    }

    private void setGradient(Gradient gradient, String key, double[] values) {
        INDArray view = gradientViews.get(key);
        view.assign(Nd4j.createFromArray(values).reshape(view.shape()).castTo(view.dataType()));
        gradient.setGradientFor(key, view);
    }

    @Override
    public Gradient gradient() {
        return gradient;
    }

    @Override
    public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException(where() + ": batch normalization has no layer-wise training; "
                + "train the network that contains it");
    }

    /** The input as a row-major array of the layer's data type, copied only when it is not one already. */
    private INDArray streamable(INDArray array) {
        INDArray a = array.dataType() == dataType ? array : array.castTo(dataType);
        return TensorIO.isStreamable(a) ? a : a.dup('c');
    }

    private ChannelLayout layoutOf(INDArray x, int axis) {
        long channels = x.size(axis);
        long expected = layerConf().getNOut();
        if (channels != expected) {
            throw new IllegalArgumentException(where() + ": the input has " + channels + " channels on axis " + axis
                    + " (shape " + Arrays.toString(x.shape()) + "), but the layer's parameters are for " + expected
                    + " channels; check the data format (" + layerConf().getCnn2DFormat() + "/"
                    + layerConf().getCnn3DFormat() + ") or nIn/nOut");
        }
        return ChannelLayout.of(x.shape(), axis);
    }

    private void requireEnoughValues(long count, int workers, long[] shape) {
        if (count < 2) {
            throw new IllegalArgumentException(where() + ": batch statistics need at least 2 values per channel "
                    + "across all workers that share them, but the batch of " + workers + " worker(s) has "
                    + count + " (this worker's input shape " + Arrays.toString(shape) + "); use a batch of at least "
                    + "2 examples per group of workers that share statistics (all workers in sync mode), or "
                    + "useGlobalStats(true) to normalize with running statistics");
        }
    }

    /**
     * Batch renormalization's corrections for {@code global}, from the renormalization averages before
     * this step; then the averages and the running statistics move as {@link BatchRenorm} says.
     */
    private BatchRenorm.Correction renormalize(ChannelMoments global) {
        SyncBatchNormalization conf = layerConf();
        double[] averageMean = vector(SyncBatchNormParamInitializer.RENORM_MEAN);
        double[] averageStd = vector(SyncBatchNormParamInitializer.RENORM_STD);
        BatchRenorm.Step step = BatchRenorm.step(global.mean(), global.biasedVariance(), averageMean, averageStd,
                conf.getEps(), conf.renormBounds(getIterationCount()), conf.getRenormMomentum());
        store(SyncBatchNormParamInitializer.RENORM_MEAN, step.averageMean());
        store(SyncBatchNormParamInitializer.RENORM_STD, step.averageStd());
        updateRunningStatistics(step.averageMean(), step.runningVarianceTarget(conf.getEps()));
        return step.correction();
    }

    private void updateRunningStatistics(ChannelMoments global) {
        SyncBatchNormalization conf = layerConf();
        updateRunningStatistics(global.mean(), conf.getRunningVariance()
                == SyncBatchNormalization.RunningVariance.UNBIASED ? global.unbiasedVariance() : global.biasedVariance());
    }

    private void updateRunningStatistics(double[] batchMean, double[] batchVar) {
        double decay = layerConf().getDecay();
        double[] runningMean = vector(SyncBatchNormParamInitializer.GLOBAL_MEAN);
        double[] runningVar = vector(SyncBatchNormParamInitializer.GLOBAL_VAR);
        for (int c = 0; c < runningMean.length; c++) {
            runningMean[c] = decay * runningMean[c] + (1 - decay) * batchMean[c];
            runningVar[c] = decay * runningVar[c] + (1 - decay) * batchVar[c];
        }
        store(SyncBatchNormParamInitializer.GLOBAL_MEAN, runningMean);
        store(SyncBatchNormParamInitializer.GLOBAL_VAR, runningVar);
    }

    private double[] gamma(int channels) {
        SyncBatchNormalization conf = layerConf();
        return perChannel(conf.hasGammaParam(), SyncBatchNormParamInitializer.GAMMA, conf.fixedGamma(), channels);
    }

    private double[] beta(int channels) {
        SyncBatchNormalization conf = layerConf();
        return perChannel(conf.hasBetaParam(), SyncBatchNormParamInitializer.BETA, conf.fixedBeta(), channels);
    }

    /** The parameter {@code key} if the layer has it, else {@code fixed} for every channel. */
    private double[] perChannel(boolean isParam, String key, double fixed, int channels) {
        if (isParam) {
            return vector(key);
        }
        double[] values = new double[channels];
        Arrays.fill(values, fixed);
        return values;
    }

    private double[] vector(String key) {
        return getParam(key).toDoubleVector();
    }

    private void store(String key, double[] values) {
        INDArray param = getParam(key);
        param.assign(Nd4j.createFromArray(values).reshape(param.shape()).castTo(param.dataType()));
    }

    /** Names this layer in messages: its name when it has one, and its index. */
    private String where() {
        String name = layerConf().getLayerName();
        return "SyncBatchNormalization layer " + (name == null || name.isEmpty() ? "" : "\"" + name + "\" ")
                + "(index " + getIndex() + ")";
    }

    private static double[] inverseStd(double[] variance, double eps) {
        double[] out = new double[variance.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = 1.0 / Math.sqrt(variance[c] + eps);
        }
        return out;
    }
}
