package io.syncbn.worker.replica;

import io.syncbn.api.BnMode;
import io.syncbn.api.StepMetrics;
import io.syncbn.collective.Collective;
import io.syncbn.collective.ReduceOp;
import io.syncbn.nn.RunningStatistics;
import io.syncbn.nn.SyncBatchNorm;
import io.syncbn.nn.SynchronizationDiagnostics;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.stats.StatisticsDivergence;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's copy of the network in synchronous data-parallel training.
 *
 * <p>Lifecycle: build every replica from identical parameters and updater state; then every rank
 * calls {@link #step} once per global step (with its shard, possibly empty), in the same order; call
 * {@link #checkConsistency} whenever desired (every rank at the same step).
 *
 * <p>Randomness: stochastic layers (dropout, noise) draw from ND4J's generator of the calling thread.
 * {@link #step(MultiDataSet, long)} seeds it before the step, so that what a rank draws is a function
 * of the seed alone (the trainer passes {@link io.syncbn.worker.split.EpochSplit#randomSeed}, one per
 * step and rank); {@link #step(MultiDataSet)} leaves the generator as it is.
 *
 * <p>A step computes what one machine would compute on the concatenation of all shards: each worker
 * runs forward and backward on its shard (batch-normalization statistics synchronized through the
 * collective in {@link BnMode#SYNC}, through its group's in group mode), the raw gradients — DL4J's sums over examples, before the
 * updater — are summed across workers in one all-reduce that also carries the loss, accuracy and
 * example counts, and every replica then runs the same DL4J updater step with the global batch size.
 * Since all-reduce results are bit-identical on every rank, replicas stay bit-identical.
 */
public final class Replica {

    /** Values appended to the gradient in the all-reduce: data-loss sum, examples, correct predictions. */
    private static final int METRICS = 3;

    private final NetworkAdapter network;
    private final Collective collective;
    private final BnMode mode;
    private final int diagnosticsEvery;
    private final List<SyncBatchNormalizationLayer> bnLayers;
    /** Layers whose running statistics differ between replicas after a step, averaged after each. */
    private final List<SyncBatchNormalizationLayer> averaged;
    private final OutputProbe probe;
    private Gradient viewsGradient;
    /** The all-reduce buffer of {@link #exchange}: gradient and metrics, reused by every step. */
    private float[] floatExchange;
    /** As {@link #floatExchange}, for float64 networks. */
    private double[] doubleExchange;

    private Replica(NetworkAdapter network, Collective collective, BnMode mode, int diagnosticsEvery) {
        this.network = network;
        network.initGradientViews();
        this.collective = Objects.requireNonNull(collective, "collective");
        this.mode = Objects.requireNonNull(mode, "mode");
        if (diagnosticsEvery < 0) {
            throw new IllegalArgumentException("diagnosticsEvery must be at least 0 (0: never), but got "
                    + diagnosticsEvery);
        }
        this.diagnosticsEvery = diagnosticsEvery;
        this.bnLayers = network.syncBnLayers();
        // Ghost-BN layers normalize virtual batches local to each worker, in every mode.
        this.averaged = mode.averagesRunningStatistics(collective.worldSize()) ? bnLayers
                : bnLayers.stream().filter(l -> l.layerConf().getVirtualBatchSize() > 0).toList();
        this.probe = new OutputProbe(network);
        Model model = network.model();
        model.addListeners(probe);
        int world = collective.worldSize();
        int groupSize = mode.groupSize(world);
        if (!mode.synchronizesLayers()) {
            SyncBatchNorm.detach(model);
        } else {
            SyncBatchNorm.attach(model, groupSize == world ? collective : collective.split(groupSize));
        }
    }

    /**
     * A replica of {@code network} (a {@code MultiLayerNetwork} or {@code ComputationGraph}, already
     * initialized) that synchronizes through {@code collective}.
     *
     * @throws IllegalArgumentException if {@code mode} is {@code group:K} and K does not divide the
     *     world size
     */
    public static Replica of(Model network, Collective collective, BnMode mode) {
        return of(network, collective, mode, 0);
    }

    /**
     * A replica that also measures, every {@code diagnosticsEvery} global steps (0: never), how far
     * each worker's batch statistics are from the global batch's ({@link SynchronizationDiagnostics});
     * the measurement does not change training.
     */
    public static Replica of(Model network, Collective collective, BnMode mode, int diagnosticsEvery) {
        return new Replica(NetworkAdapter.of(network), collective, mode, diagnosticsEvery);
    }

    /** The network this replica trains. */
    public Model network() {
        return network.model();
    }

    /** One global step with this worker's shard of the global batch ({@code null} or empty when it has none). */
    public StepMetrics step(DataSet shard) {
        return step(shard == null ? null : shard.toMultiDataSet());
    }

    /**
     * One global step with this worker's shard whose random draws (dropout masks, noise) are those of
     * ND4J's generator seeded with {@code randomSeed}: the same seed, shard and parameters give the
     * same step, bit for bit.
     *
     * @param randomSeed seeds the calling thread's ND4J generator before the forward pass; give every
     *     rank and step its own ({@link io.syncbn.worker.split.EpochSplit#randomSeed})
     */
    public StepMetrics step(DataSet shard, long randomSeed) {
        return step(shard == null ? null : shard.toMultiDataSet(), randomSeed);
    }

    /** {@link #step(DataSet, long)} for graphs with several inputs or outputs. */
    public StepMetrics step(MultiDataSet shard, long randomSeed) {
        // ND4J's generator is per thread: the thread that runs the step is the one that draws.
        Nd4j.getRandom().setSeed(randomSeed);
        return step(shard);
    }

    /**
     * One global step with this worker's shard, for graphs with several inputs or outputs; stochastic
     * layers draw from ND4J's generator as it stands ({@link #step(MultiDataSet, long)} seeds it).
     */
    public StepMetrics step(MultiDataSet shard) {
        long start = System.nanoTime();
        long iteration = network.iteration();
        int examples = shard == null || shard.getFeatures(0) == null ? 0 : (int) shard.getFeatures(0).size(0);
        double regularization = network.regularizationScore();
        double dataLossSum = 0;
        long correct = 0;
        for (SyncBatchNormalizationLayer bn : bnLayers) {
            bn.clearLastMoments();
            // What DL4J's own fit does (synchronizeIterEpochCounts): schedules such as batch renormalization's read it.
            bn.setIterationCount((int) iteration);
        }
        if (examples > 0) {
            probe.expect(shard.getLabels(0));
            double score = network.computeGradientAndScore(shard);
            dataLossSum = (score - regularization) * examples;
            correct = Math.max(0, probe.correct());
        } else {
            participateWithoutExamples();
        }
        List<StatisticsDivergence> diagnostics = diagnosticsEvery > 0 && iteration % diagnosticsEvery == 0
                ? SynchronizationDiagnostics.measure(bnLayers, collective,
                        mode.groupSize(collective.worldSize()) == collective.worldSize()) : null;
        INDArray gradient = network.flattenedGradients();
        double[] reduced = exchange(gradient, dataLossSum, examples, correct);
        long globalExamples = Math.round(reduced[1]);
        if (globalExamples <= 0) {
            throw new IllegalStateException("global step at iteration " + iteration + " has no examples on any of the "
                    + collective.worldSize() + " workers; every step needs at least one example");
        }
        network.update(examples > 0 ? currentGradient() : viewsGradient(), Math.toIntExact(globalExamples));
        if (!averaged.isEmpty()) {
            RunningStatistics.average(averaged, collective);
        }
        double loss = reduced[0] / globalExamples + regularization;
        double millis = (System.nanoTime() - start) / 1e6;
        if (diagnostics == null) {
            return new StepMetrics(iteration, globalExamples, loss, Math.round(reduced[2]), millis);
        }
        return new StepMetrics(iteration, globalExamples, loss, Math.round(reduced[2]), millis,
                diagnostics.stream().mapToDouble(StatisticsDivergence::mean).toArray(),
                diagnostics.stream().mapToDouble(StatisticsDivergence::logVar).toArray());
    }

    /**
     * Compares a checksum of the parameters (including running statistics) across ranks; throws on
     * every rank, naming the ranks that differ from rank 0, if any do.
     *
     * @param where what to call this point in the message, e.g. "step 300"
     */
    public void checkConsistency(String where) {
        int world = collective.worldSize();
        double[] sums = new double[2 * world];
        long crc = checksum(network.params());
        sums[2 * collective.rank()] = crc >>> 16;
        sums[2 * collective.rank() + 1] = crc & 0xFFFF;
        collective.allReduceSum(sums);
        long reference = ((long) sums[0] << 16) | (long) sums[1];
        StringBuilder differing = new StringBuilder();
        for (int r = 1; r < world; r++) {
            long other = ((long) sums[2 * r] << 16) | (long) sums[2 * r + 1];
            if (other != reference) {
                differing.append(differing.length() == 0 ? "" : ", ").append("rank ").append(r)
                        .append(String.format(" (%08x)", other));
            }
        }
        if (differing.length() > 0) {
            throw new ReplicaDivergenceException("replicas diverged at " + where + ": parameter checksum of rank 0 is "
                    + String.format("%08x", reference) + " but " + differing + " differ; every replica must apply "
                    + "identical updates — check for non-deterministic layers or a worker that skipped a step");
        }
    }

    /** CRC32 of the parameter bytes. */
    static long checksum(INDArray params) {
        INDArray p = params.isView() ? params.dup() : params;
        ByteBuffer bytes = p.data().asNio().duplicate();
        int elementSize = p.dataType().width();
        bytes.position((int) (p.data().offset() * elementSize));
        bytes.limit((int) ((p.data().offset() + p.length()) * elementSize));
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    private void participateWithoutExamples() {
        if (mode.synchronizesLayers()) {
            for (SyncBatchNormalizationLayer bn : bnLayers) {
                bn.forwardWithoutExamples();
            }
            for (int i = bnLayers.size() - 1; i >= 0; i--) {
                bnLayers.get(i).backpropWithoutExamples();
            }
        }
        network.flattenedGradients().assign(0);
    }

    /**
     * Sums the gradient (in place) and the metrics across ranks in one all-reduce, through a heap
     * buffer allocated at the first step and reused by every later one; returns the summed metrics
     * {@code [dataLossSum, examples, correct]}.
     */
    private double[] exchange(INDArray gradient, double dataLossSum, int examples, long correct) {
        int n = (int) gradient.length();
        if (gradient.dataType() == DataType.FLOAT) {
            if (floatExchange == null || floatExchange.length != n + METRICS) {
                floatExchange = new float[n + METRICS];
            }
            float[] buf = floatExchange;
            FlatVector.read(gradient, buf, 0);
            buf[n] = (float) dataLossSum;
            buf[n + 1] = examples;
            buf[n + 2] = correct;
            collective.allReduceSum(buf);
            FlatVector.write(buf, 0, gradient);
            return new double[] {buf[n], buf[n + 1], buf[n + 2]};
        }
        if (gradient.dataType() == DataType.DOUBLE) {
            if (doubleExchange == null || doubleExchange.length != n + METRICS) {
                doubleExchange = new double[n + METRICS];
            }
            double[] buf = doubleExchange;
            FlatVector.read(gradient, buf, 0);
            buf[n] = dataLossSum;
            buf[n + 1] = examples;
            buf[n + 2] = correct;
            collective.allReduce(buf, ReduceOp.SUM);
            FlatVector.write(buf, 0, gradient);
            return new double[] {buf[n], buf[n + 1], buf[n + 2]};
        }
        throw new IllegalArgumentException("the network's data type must be FLOAT or DOUBLE for training, but is "
                + gradient.dataType());
    }

    /**
     * The buffer the last step exchanged its gradient in ({@code float[]} or {@code double[]}), or
     * {@code null} before the first step: the same array every step.
     */
    Object exchangeBuffer() {
        return floatExchange != null ? floatExchange : doubleExchange;
    }

    private Gradient currentGradient() {
        Gradient g = network.model().gradient();
        return g != null ? g : viewsGradient();
    }

    private Gradient viewsGradient() {
        if (viewsGradient == null) {
            viewsGradient = network.gradientOfViews();
        }
        return viewsGradient;
    }
}
