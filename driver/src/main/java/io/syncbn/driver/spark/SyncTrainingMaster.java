package io.syncbn.driver.spark;

import io.syncbn.api.BnMode;
import io.syncbn.api.StepMetrics;
import io.syncbn.worker.epoch.BarrierEpochTask;
import io.syncbn.worker.epoch.CollectiveConnector;
import io.syncbn.worker.epoch.EpochLoop;
import io.syncbn.worker.epoch.EpochResult;
import io.syncbn.worker.epoch.EpochSpec;
import io.syncbn.worker.epoch.NativeThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.TrainingWorker;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.dataformat.yaml.YAMLFactory;

/**
 * Synchronous data-parallel training with synchronized batch normalization, as a DL4J {@link
 * TrainingMaster}: {@code new SparkDl4jMultiLayer(sc, net, tm).fit(rdd)} and {@code
 * SparkComputationGraph} train with it as they do with {@code ParameterAveragingTrainingMaster}.
 *
 * <p>Each {@code fit} is one epoch and one Spark barrier stage of {@code workers} tasks. The driver
 * reshuffles the examples with the seed and the epoch number and splits them into balanced
 * partitions; every task restores the network from a broadcast snapshot, joins the other tasks
 * directly ({@link CollectiveConnector}, one Spark {@code allGather} for the whole stage), and takes
 * the epoch's global steps: per step, {@code perWorkerBatch} examples per worker, statistics of the
 * global batch in every batch-normalization layer, one all-reduce of the raw gradients, and the same
 * updater step on every replica. Rank 0 returns the trained network; nothing is collected per step.
 * The result equals single-process training on the concatenated per-step batches. A stage that
 * fails because an executor was lost or a worker stalled runs again from its snapshot ({@link
 * StageAttempts}, {@link Builder#maxStageAttempts}), so it survives these failures with the same result.
 */
public final class SyncTrainingMaster implements TrainingMaster<SyncTrainingResult, TrainingWorker<SyncTrainingResult>> {

    /** Default seed of the per-epoch shuffles. */
    public static final long DEFAULT_SEED = 12345L;

    /** Default of {@link Builder#maxStageAttempts}. */
    public static final int DEFAULT_STAGE_ATTEMPTS = 3;

    private final Settings settings;
    private final Function<Settings, CollectiveConnector> connectors;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final List<java.util.function.Consumer<StepMetrics>> stepListeners = new ArrayList<>();
    private final List<java.util.function.Consumer<StageRetry>> retryListeners = new ArrayList<>();
    private List<StepMetrics> lastEpoch = List.of();
    private boolean collectStats;

    /**
     * The master's settings, validated.
     *
     * @param workers N, the number of barrier tasks (replicas)
     * @param batchSizePerWorker b, examples per worker per step
     * @param bnMode synchronized or per-worker statistics
     * @param collectiveTimeout deadline of every collective operation
     * @param consistencyCheckInterval compare replica checksums every this many steps (0: end of epoch only)
     * @param seed shuffling seed
     * @param diagnosticsEvery measure how far each worker's batch statistics are from the global
     *     batch's every this many steps (0: never); reported in {@link StepMetrics}
     * @param maxStageAttempts how many times a barrier stage may run before its failure ends the
     *     training, at least 1 (1: no retry); see {@link Builder#maxStageAttempts}
     */
    public record Settings(int workers, int batchSizePerWorker, BnMode bnMode, Duration collectiveTimeout,
            int consistencyCheckInterval, long seed, int diagnosticsEvery, int maxStageAttempts)
            implements java.io.Serializable {

        /** Validates every setting. */
        public Settings {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1, but got " + workers);
            }
            if (batchSizePerWorker < 1) {
                throw new IllegalArgumentException("batchSizePerWorker must be at least 1, but got " + batchSizePerWorker);
            }
            Objects.requireNonNull(bnMode, "bnMode");
            bnMode.requireCompatible(workers);
            if (diagnosticsEvery < 0) {
                throw new IllegalArgumentException("diagnosticsEvery must be at least 0 (0: never), but got "
                        + diagnosticsEvery);
            }
            Objects.requireNonNull(collectiveTimeout, "collectiveTimeout");
            if (collectiveTimeout.isNegative() || collectiveTimeout.isZero()) {
                throw new IllegalArgumentException("collectiveTimeout must be positive, but got " + collectiveTimeout);
            }
            if (maxStageAttempts < 1) {
                throw new IllegalArgumentException("maxStageAttempts must be at least 1 (1: no retry), but got "
                        + maxStageAttempts);
            }
            if (consistencyCheckInterval < 0) {
                throw new IllegalArgumentException("consistencyCheckInterval must be at least 0 (0 = end of epoch only), "
                        + "but got " + consistencyCheckInterval);
            }
        }
    }

    private SyncTrainingMaster(Settings settings, Function<Settings, CollectiveConnector> connectors) {
        this.settings = settings;
        this.connectors = connectors;
    }

    /** The settings. */
    public Settings settings() {
        return settings;
    }

    /** Per-step metrics (global loss, accuracy, examples, time) of the last epoch trained. */
    public List<StepMetrics> lastEpochMetrics() {
        return lastEpoch;
    }

    /** Calls {@code listener} on the driver with each step's metrics after every epoch. */
    public void addStepListener(java.util.function.Consumer<StepMetrics> listener) {
        stepListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Calls {@code listener} on the driver when a barrier stage failed recoverably and is about to run
     * again (after the cluster offers the slots again).
     */
    public void addStageRetryListener(java.util.function.Consumer<StageRetry> listener) {
        retryListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void executeTraining(SparkDl4jMultiLayer network, JavaRDD<DataSet> trainingData) {
        train(network.getSparkContext(), network.getNetwork(), trainingData.map(DataSet::toMultiDataSet));
    }

    @Override
    public void executeTraining(SparkComputationGraph graph, JavaRDD<DataSet> trainingData) {
        train(graph.getSparkContext(), graph.getNetwork(), trainingData.map(DataSet::toMultiDataSet));
    }

    @Override
    public void executeTrainingMDS(SparkComputationGraph graph, JavaRDD<MultiDataSet> trainingData) {
        train(graph.getSparkContext(), graph.getNetwork(), trainingData);
    }

    /** One epoch of training of {@code network} (updated in place) on {@code data}. */
    void train(JavaSparkContext sc, Model network, JavaRDD<MultiDataSet> data) {
        int epoch = network instanceof ComputationGraph g ? g.getEpochCount() : ((MultiLayerNetwork) network).getEpochCount();
        try (PreparedEpoch prepared = prepare(data, epoch)) {
            lastEpoch = trainSteps(sc, network, prepared, 0, prepared.split().steps(), null);
        }
        report(network, epoch);
    }

    /**
     * An epoch's examples, shuffled with the seed and the epoch number and split into one cached
     * partition per worker; close it to release the cache.
     *
     * @param split the plan: how many steps the epoch has and what each worker trains on
     */
    public record PreparedEpoch(JavaRDD<MultiDataSet> examples, io.syncbn.worker.split.EpochSplit split)
            implements AutoCloseable {
        @Override
        public void close() {
            examples.unpersist(false);
        }
    }

    /** Shuffles and splits {@code data} for epoch {@code epoch}; the partitions are cached until closed. */
    public PreparedEpoch prepare(JavaRDD<MultiDataSet> data, int epoch) {
        SlotCheck.requireSlots(data.context(), settings.workers());
        EpochPartitioner.Partitioned parts = EpochPartitioner.partition(data, settings.workers(),
                settings.batchSizePerWorker(), settings.seed(), epoch);
        JavaRDD<MultiDataSet> cached = parts.examples().persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        PreparedEpoch prepared = new PreparedEpoch(cached, parts.split());
        StageAttempts.materialize(prepared);
        return prepared;
    }

    /**
     * Trains steps {@code [fromStep, toStep)} of a prepared epoch in one barrier stage, updating
     * {@code network} in place; a run that checkpoints calls this once per checkpoint interval, and a
     * resumed run starts at the step it stopped at. A stage that fails recoverably ({@link
     * StageRetry}) runs again from the same snapshot, up to {@link Settings#maxStageAttempts} times in
     * all, once the cluster offers the slots again; the network is only updated by an attempt that
     * finished, so the result is that of an uninterrupted stage.
     *
     * @param live called on the driver with each step's metrics while the stage runs (rank 0 reports
     *     them over a socket), or {@code null}; a retried stage reports its steps again
     * @return the metrics of the steps trained
     * @throws StageFailedException if the stage failed {@code maxStageAttempts} times, or once in a way
     *     another attempt would repeat (the cause is Spark's job failure)
     */
    public List<StepMetrics> trainSteps(JavaSparkContext sc, Model network, PreparedEpoch epoch, int fromStep,
            int toStep, java.util.function.Consumer<StepMetrics> live) {
        SlotCheck.requireSlots(sc.sc(), settings.workers());
        boolean graph = network instanceof ComputationGraph;
        EpochSpec spec = new EpochSpec(epoch.split(), settings.bnMode(), settings.consistencyCheckInterval(), graph,
                fromStep, toStep, settings.diagnosticsEvery());
        Broadcast<byte[]> snapshot = sc.broadcast(EpochLoop.snapshot(network));
        ProgressServer progress = live == null ? null : openProgress(sc, live);
        // Local tasks run in this JVM and limit ND4J's threads process-wide; the driver gets them back.
        NativeThreads.Snapshot threads = NativeThreads.capture();
        try {
            BarrierEpochTask task = new BarrierEpochTask(snapshot, spec, connectors.apply(settings),
                    progress == null ? null : progress.sink());
            EpochResult first = new StageAttempts(settings, retryListeners).run(sc, epoch, spec, task);
            Model trained = EpochLoop.restore(first.model(), graph);
            try {
                copyInto(trained, network);
            } finally {
                // Its arrays are native memory: release them now, not when the collector gets to it.
                trained.close();
            }
            return List.copyOf(first.steps());
        } finally {
            threads.restore();
            if (progress != null) {
                progress.close();
            }
            snapshot.destroy();
        }
    }

    private static ProgressServer openProgress(JavaSparkContext sc, java.util.function.Consumer<StepMetrics> live) {
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        try {
            return new ProgressServer(host, live);
        } catch (java.io.IOException e) {
            org.slf4j.LoggerFactory.getLogger(SyncTrainingMaster.class)
                    .warn("no live progress: cannot listen on the driver's address {}: {}", host, e.toString());
            return null;
        }
    }

    /**
     * Copies parameters (including running statistics), updater state (none for stateless updaters
     * such as plain SGD) and counters.
     */
    private static void copyInto(Model trained, Model target) {
        target.params().assign(trained.params());
        if (target instanceof MultiLayerNetwork t) {
            MultiLayerNetwork s = (MultiLayerNetwork) trained;
            copyState(s.getUpdater().getStateViewArray(), t.getUpdater().getStateViewArray());
            t.getLayerWiseConfigurations().setIterationCount(s.getIterationCount());
        } else {
            ComputationGraph t = (ComputationGraph) target;
            ComputationGraph s = (ComputationGraph) trained;
            copyState(s.getUpdater().getStateViewArray(), t.getUpdater().getStateViewArray());
            t.getConfiguration().setIterationCount(s.getIterationCount());
        }
    }

    private static void copyState(INDArray from, INDArray to) {
        if (from != null && to != null) {
            to.assign(from);
        }
    }

    private void report(Model network, int epoch) {
        for (StepMetrics m : lastEpoch) {
            for (java.util.function.Consumer<StepMetrics> l : stepListeners) {
                l.accept(m);
            }
            if (!listeners.isEmpty()) {
                if (network instanceof MultiLayerNetwork mln) {
                    mln.setScore(m.loss());
                } else {
                    ((ComputationGraph) network).setScore(m.loss());
                }
                for (TrainingListener l : listeners) {
                    l.iterationDone(network, (int) m.iteration(), epoch);
                }
            }
        }
    }

    @Override
    public TrainingWorker<SyncTrainingResult> getWorkerInstance(SparkDl4jMultiLayer network) {
        throw workerProtocol();
    }

    @Override
    public TrainingWorker<SyncTrainingResult> getWorkerInstance(SparkComputationGraph graph) {
        throw workerProtocol();
    }

    private static UnsupportedOperationException workerProtocol() {
        return new UnsupportedOperationException("SyncTrainingMaster runs whole epochs in Spark barrier tasks; DL4J's "
                + "per-minibatch TrainingWorker protocol does not apply to it");
    }

    /**
     * One epoch from files of examples, as {@code SparkDl4jMultiLayer.fitPaths} and {@code
     * SparkComputationGraph.fitPaths}/{@code fitPathsMultiDataSet} ask: the executors load the files
     * ({@link LoadExamples}, through Hadoop's file systems), and the epoch is shuffled, split and trained
     * as {@code fit(rdd)} would train the same examples in the same order; nothing is collected on the
     * driver.
     */
    @Override
    public void executeTrainingPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph, JavaRDD<String> paths,
            DataSetLoader dsLoader, MultiDataSetLoader mdsLoader) {
        JavaSparkContext sc = network != null ? network.getSparkContext() : graph.getSparkContext();
        org.nd4j.common.loader.SourceFactory sources = new org.deeplearning4j.spark.data.loader.RemoteFileSourceFactory(
                org.datavec.spark.util.BroadcastHadoopConfigHolder.get(sc));
        JavaRDD<MultiDataSet> examples = paths.map(new LoadExamples(dsLoader, mdsLoader, sources));
        train(sc, network != null ? network.getNetwork() : graph.getNetwork(), examples);
    }

    @Override
    public void addHook(TrainingHook hook) {
        throw new UnsupportedOperationException("training hooks run inside DL4J's TrainingWorker, which "
                + "SyncTrainingMaster does not use; use addStepListener for per-step metrics");
    }

    @Override
    public void removeHook(TrainingHook hook) {
        // No hook can have been added.
    }

    @Override
    public String toJson() {
        return write(new ObjectMapper());
    }

    @Override
    public String toYaml() {
        return write(new ObjectMapper(new YAMLFactory()));
    }

    private String write(ObjectMapper mapper) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "SyncTrainingMaster");
        m.put("workers", settings.workers());
        m.put("batchSizePerWorker", settings.batchSizePerWorker());
        m.put("bnMode", settings.bnMode().toString());
        m.put("collectiveTimeoutMillis", settings.collectiveTimeout().toMillis());
        m.put("consistencyCheckInterval", settings.consistencyCheckInterval());
        m.put("seed", settings.seed());
        m.put("diagnosticsEvery", settings.diagnosticsEvery());
        m.put("maxStageAttempts", settings.maxStageAttempts());
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(m);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void setCollectTrainingStats(boolean collect) {
        this.collectStats = collect;
    }

    @Override
    public boolean getIsCollectTrainingStats() {
        return collectStats;
    }

    /** Always {@code null}: per-step metrics are in {@link #lastEpochMetrics()}. */
    @Override
    public SparkTrainingStats getTrainingStats() {
        return null;
    }

    /** Listeners called on the driver, once per step after each epoch, with the global loss as the score. */
    @Override
    public void setListeners(Collection<TrainingListener> trainingListeners) {
        listeners.clear();
        listeners.addAll(trainingListeners);
    }

    @Override
    public void setListeners(StatsStorageRouter router, Collection<TrainingListener> trainingListeners) {
        setListeners(trainingListeners);
    }

    @Override
    public boolean deleteTempFiles(JavaSparkContext sc) {
        return true;
    }

    @Override
    public boolean deleteTempFiles(SparkContext sc) {
        return true;
    }

    @Override
    public String toString() {
        return "SyncTrainingMaster" + settings;
    }

    /** Builds a {@link SyncTrainingMaster} in DL4J's builder style. */
    public static final class Builder {
        private int workers;
        private int batchSizePerWorker;
        private BnMode bnMode = BnMode.SYNC;
        private Duration collectiveTimeout = Duration.ofSeconds(120);
        private int consistencyCheckInterval = 100;
        private long seed = DEFAULT_SEED;
        private int diagnosticsEvery;
        private int maxStageAttempts = DEFAULT_STAGE_ATTEMPTS;
        private Function<Settings, CollectiveConnector> connectors = TcpConnectors::forSettings;

        /**
         * @param workers N, the number of barrier tasks; the cluster must run N tasks at once
         * @param batchSizePerWorker b, examples per worker per step (global batch N·b)
         */
        public Builder(int workers, int batchSizePerWorker) {
            this.workers = workers;
            this.batchSizePerWorker = batchSizePerWorker;
        }

        /** Number of workers. */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Examples per worker per step. */
        public Builder batchSizePerWorker(int batchSizePerWorker) {
            this.batchSizePerWorker = batchSizePerWorker;
            return this;
        }

        /** {@link BnMode#SYNC} (default), {@link BnMode#LOCAL} or {@link BnMode#group(int) group:K}. */
        public Builder bnMode(BnMode bnMode) {
            this.bnMode = bnMode;
            return this;
        }

        /** Deadline of every collective operation (default 120 s). */
        public Builder collectiveTimeout(Duration timeout) {
            this.collectiveTimeout = timeout;
            return this;
        }

        /** Replica checksum comparison interval in steps (default 100; 0: end of epoch only). */
        public Builder consistencyCheckInterval(int steps) {
            this.consistencyCheckInterval = steps;
            return this;
        }

        /** Shuffling seed (default {@link #DEFAULT_SEED}). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Measure how far each worker's batch statistics are from the global batch's every this many
         * steps (default 0: never); the measurement does not change training.
         */
        public Builder diagnosticsEvery(int steps) {
            this.diagnosticsEvery = steps;
            return this;
        }

        /**
         * How many times a barrier stage may run (default {@value SyncTrainingMaster#DEFAULT_STAGE_ATTEMPTS};
         * 1: never again). A stage that fails because an executor was lost or a worker stalled runs again
         * from the snapshot it started from once the cluster offers the slots again, and ends with the
         * parameters an uninterrupted stage would have; other failures end the training at once.
         */
        public Builder maxStageAttempts(int attempts) {
            this.maxStageAttempts = attempts;
            return this;
        }

        /** How tasks join each other; the default is authenticated TCP found through Spark's barrier allGather. */
        public Builder connectors(Function<Settings, CollectiveConnector> connectors) {
            this.connectors = Objects.requireNonNull(connectors, "connectors");
            return this;
        }

        /** Validates and builds. */
        public SyncTrainingMaster build() {
            return new SyncTrainingMaster(new Settings(workers, batchSizePerWorker, bnMode, collectiveTimeout,
                    consistencyCheckInterval, seed, diagnosticsEvery, maxStageAttempts), connectors);
        }
    }
}
