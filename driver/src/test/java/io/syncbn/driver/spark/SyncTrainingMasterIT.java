package io.syncbn.driver.spark;

import io.syncbn.driver.ExactBits;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.BnMode;
import io.syncbn.api.StepMetrics;
import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.worker.split.EpochSplit;
import io.syncbn.worker.split.IndexPermutation;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Training on a real Spark {@code local[4]} context, with Kryo and {@code registrationRequired}: the
 * trained network equals single-process DL4J training on the same per-step global batches (the
 * concatenation of the workers' shards in rank order, as the epoch plan defines them), for list
 * networks and graphs, 1 to 4 workers, Adam and Nesterov momentum, float64 and float32, DataSet and
 * MultiDataSet input, even, uneven and empty shards; an epoch split into stages equals one stage; and a
 * stage the cluster cannot schedule is refused at once.
 */
@Tag("integration")
class SyncTrainingMasterIT {

    private static final double TOLERANCE = 1e-8;
    private static final double FLOAT_TOLERANCE = 1e-4;
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        SparkConf conf = new SparkConf().setMaster("local[4]").setAppName("SyncTrainingMasterIT")
                .set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", SyncKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true");
        sc = new JavaSparkContext(conf);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void listNetworkMatchesSingleProcessTraining() {
        int workers = 3;
        int b = 2;
        List<DataSet> data = data(31, 11);
        MultiLayerNetwork net = (MultiLayerNetwork) build(false, new Adam(0.02));
        MultiLayerNetwork reference = net.clone();
        SyncTrainingMaster tm = new SyncTrainingMaster.Builder(workers, b).seed(99).consistencyCheckInterval(2).build();
        new SparkDl4jMultiLayer(sc, net, tm).fit(rdd(data));

        for (DataSet step : referenceBatches(data, workers, b, 99, 0)) {
            reference.fit(step);
        }
        List<StepMetrics> steps = tm.lastEpochMetrics();
        assertAll(
                () -> assertClose(reference.params(), net.params(), "parameters incl. running statistics"),
                () -> assertClose(reference.getUpdater().getStateViewArray(), net.getUpdater().getStateViewArray(),
                        "Adam state"),
                () -> assertEquals(reference.getIterationCount(), net.getIterationCount(), "iterations"),
                () -> assertEquals(1, net.getEpochCount(), "epoch count after one fit"),
                () -> assertEquals(6, steps.size(), "ceil(ceil(31/3)/2) steps"),
                () -> assertEquals(31, steps.stream().mapToLong(StepMetrics::examples).sum(), "every example once"));
    }

    @Test
    void graphMatchesSingleProcessTrainingOverTwoEpochs() {
        int workers = 4;
        int b = 3;
        List<DataSet> data = data(26, 5);
        ComputationGraph graph = (ComputationGraph) build(true, new Nesterovs(0.05, 0.9));
        ComputationGraph reference = graph.clone();
        SyncTrainingMaster tm = new SyncTrainingMaster.Builder(workers, b).seed(5).build();
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, tm);
        for (int epoch = 0; epoch < 2; epoch++) {
            spark.fit(rdd(data));
            for (DataSet step : referenceBatches(data, workers, b, 5, epoch)) {
                reference.fit(step);
            }
            reference.incrementEpochCount();
        }
        assertAll(
                () -> assertClose(reference.params(), graph.params(), "parameters after two epochs"),
                () -> assertClose(reference.getUpdater().getStateViewArray(), graph.getUpdater().getStateViewArray(),
                        "momentum state"));
    }

    @Test
    void oneWorkerWithMomentumMatchesSingleProcessTraining() {
        List<DataSet> data = data(12, 21);
        MultiLayerNetwork net = (MultiLayerNetwork) build(false, new Nesterovs(0.05, 0.9));
        MultiLayerNetwork reference = net.clone();
        new SparkDl4jMultiLayer(sc, net, new SyncTrainingMaster.Builder(1, 4).seed(3).build()).fit(rdd(data));
        for (DataSet step : referenceBatches(data, 1, 4, 3, 0)) {
            reference.fit(step);
        }
        assertClose(reference.params(), net.params(), "one worker, even steps of 4");
    }

    @Test
    void graphInFloatFromMultiDataSetsMatchesSingleProcessTraining() {
        int workers = 2;
        int b = 3;
        List<DataSet> data = data(17, 13);
        ComputationGraph floatGraph = (ComputationGraph) build(true, new Adam(0.02), DataType.FLOAT);
        ComputationGraph reference = floatGraph.clone();
        List<org.nd4j.linalg.dataset.api.MultiDataSet> mds = new ArrayList<>();
        for (DataSet d : data) {
            mds.add(new DataSet(d.getFeatures().castTo(DataType.FLOAT), d.getLabels().castTo(DataType.FLOAT))
                    .toMultiDataSet());
        }
        SyncTrainingMaster tm = new SyncTrainingMaster.Builder(workers, b).seed(8).build();
        new SparkComputationGraph(sc, floatGraph, tm).fitMultiDataSet(sc.parallelize(mds, 2));
        for (DataSet step : referenceBatches(data, workers, b, 8, 0)) {
            reference.fit(new DataSet(step.getFeatures().castTo(DataType.FLOAT), step.getLabels().castTo(DataType.FLOAT)));
        }
        double[] e = reference.params().toDoubleVector();
        double[] a = floatGraph.params().toDoubleVector();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]) / (1 + Math.abs(e[i])));
        }
        assertTrue(worst <= FLOAT_TOLERANCE, "float32 graph trained from MultiDataSets: relative error " + worst);
    }

    /**
     * {@code fitPaths}: the executors load files written by {@code DataSet.save} (one per element, in
     * the order of the data), and training equals {@code fit} on the same examples bit for bit, for a
     * list network and a graph.
     */
    @Test
    void fitPathsLoadsOnTheExecutorsAndEqualsFitOnTheSameExamples(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws java.io.IOException {
        List<DataSet> data = data(23, 17);
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            java.io.File f = dir.resolve(String.format(java.util.Locale.ROOT, "part-%03d.bin", i)).toFile();
            data.get(i).save(f);
            paths.add(f.toURI().toString());
        }
        MultiLayerNetwork fromRdd = (MultiLayerNetwork) build(false, new Adam(0.02));
        MultiLayerNetwork fromPaths = fromRdd.clone();
        new SparkDl4jMultiLayer(sc, fromRdd, new SyncTrainingMaster.Builder(2, 3).seed(9).build()).fit(rdd(data));
        new SparkDl4jMultiLayer(sc, fromPaths, new SyncTrainingMaster.Builder(2, 3).seed(9).build())
                .fitPaths(sc.parallelize(paths, 2));
        ComputationGraph graphFromRdd = (ComputationGraph) build(true, new Adam(0.02));
        ComputationGraph graphFromPaths = graphFromRdd.clone();
        new SparkComputationGraph(sc, graphFromRdd, new SyncTrainingMaster.Builder(3, 2).seed(9).build())
                .fit(rdd(data));
        new SparkComputationGraph(sc, graphFromPaths, new SyncTrainingMaster.Builder(3, 2).seed(9).build())
                .fitPaths(sc.parallelize(paths, 3));
        assertAll(
                () -> assertArrayEquals(ExactBits.of(fromRdd.params()), ExactBits.of(fromPaths.params()), "list network, bit for bit"),
                () -> assertEquals(1, fromPaths.getEpochCount(), "one epoch"),
                () -> assertArrayEquals(ExactBits.of(graphFromRdd.params()), ExactBits.of(graphFromPaths.params()), "graph, bit for bit"));
    }

    @Test
    void anEpochInTwoStagesEqualsOneStageAndReportsLive() {
        List<DataSet> data = data(20, 8);
        MultiLayerNetwork whole = (MultiLayerNetwork) build(false, new Adam(0.02));
        MultiLayerNetwork chunked = whole.clone();
        SyncTrainingMaster tm = new SyncTrainingMaster.Builder(2, 3).seed(4).build();
        new SparkDl4jMultiLayer(sc, whole, tm).fit(rdd(data));
        List<StepMetrics> live = java.util.Collections.synchronizedList(new ArrayList<>());
        List<StepMetrics> returned = new ArrayList<>();
        try (SyncTrainingMaster.PreparedEpoch epoch = tm.prepare(rdd(data).map(DataSet::toMultiDataSet), 0)) {
            int steps = epoch.split().steps();
            returned.addAll(tm.trainSteps(sc, chunked, epoch, 0, 2, live::add));
            returned.addAll(tm.trainSteps(sc, chunked, epoch, 2, steps, live::add));
        }
        assertAll(
                () -> assertEquals(4, returned.size(), "ceil(10/3) steps"),
                () -> assertArrayEquals(ExactBits.of(whole.params()), ExactBits.of(chunked.params()),
                        "bit-identical to the one-stage epoch"),
                () -> assertEquals(withoutTimes(returned), withoutTimes(live), "every step reported live, in order"));
    }

    /**
     * Group and local modes on Spark: 4 workers in groups of 2, or of 1 (local BN); plain SGD, so a step
     * is linear in the gradient and equals the mean, weighted by group batch sizes, of single-process
     * DL4J steps on each group's concatenated shards (the running statistics likewise); uneven shards
     * with a worker running out.
     * The per-step diagnostics come back with the metrics.
     */
    @ParameterizedTest(name = "bn {0}")
    @CsvSource({"group:2, 2", "local, 1"})
    void groupAndLocalModesStepLikeOneProcessPerGroup(String bn, int k) {
        int workers = 4;
        int b = 2;
        List<DataSet> data = data(27, 8);
        MultiLayerNetwork net = (MultiLayerNetwork) build(false, new Sgd(0.1));
        MultiLayerNetwork reference = net.clone();
        SyncTrainingMaster tm = new SyncTrainingMaster.Builder(workers, b).bnMode(BnMode.parse(bn)).seed(4)
                .diagnosticsEvery(2).build();
        new SparkDl4jMultiLayer(sc, net, tm).fit(rdd(data));

        INDArray params = reference.params().dup();
        for (List<DataSet> step : referenceShards(data, workers, b, 4, 0)) {
            long total = step.stream().filter(d -> d != null).mapToLong(DataSet::numExamples).sum();
            INDArray next = params.dup();
            for (int g = 0; g < workers / k; g++) {
                List<DataSet> group = step.subList(k * g, k * g + k).stream().filter(d -> d != null).toList();
                if (group.isEmpty()) {
                    continue;
                }
                MultiLayerNetwork single = reference.clone();
                single.setParams(params.dup());
                DataSet concat = DataSet.merge(group);
                single.fit(concat);
                next.addi(single.params().sub(params).muli((double) concat.numExamples() / total));
            }
            params = next;
        }
        INDArray expected = params;
        List<StepMetrics> steps = tm.lastEpochMetrics();
        assertAll(
                () -> assertClose(expected, net.params(), "parameters incl. running statistics"),
                () -> assertEquals(4, steps.size(), "ceil(ceil(27/4)/2) steps"),
                () -> assertTrue(steps.get(0).hasDiagnostics() && !steps.get(1).hasDiagnostics()
                        && steps.get(2).hasDiagnostics(), "diagnostics every 2 steps"),
                () -> assertTrue(steps.get(0).divergenceMean()[0] > 0, "4 workers of 2 examples differ from the "
                        + "global batch: " + steps.get(0).divergenceMean()[0]));
    }

    /**
     * Fine-tuning on Spark: a feature extractor frozen with {@code TransferLearning} (conv and BN in a
     * {@code FrozenLayer}), uneven shards and workers without examples in the last step; equals
     * single-process DL4J training, and the frozen layers keep their parameters and running statistics.
     */
    @Test
    void fineTuningWithAFrozenFeatureExtractorMatchesSingleProcessTraining() {
        MultiLayerNetwork base = (MultiLayerNetwork) build(false, new Adam(0.02));
        base.fit(data(8, 2).get(3));
        MultiLayerNetwork net = new TransferLearning.Builder(base).setFeatureExtractor(1).build();
        MultiLayerNetwork reference = net.clone();
        INDArray frozenBefore = net.getLayer(1).params().dup();
        int workers = 4;
        int b = 2;
        List<DataSet> data = data(27, 6);
        new SparkDl4jMultiLayer(sc, net, new SyncTrainingMaster.Builder(workers, b).seed(8).build()).fit(rdd(data));
        for (DataSet step : referenceBatches(data, workers, b, 8, 0)) {
            reference.fit(step);
        }
        assertAll(
                () -> assertClose(reference.params(), net.params(), "parameters incl. running statistics"),
                () -> assertArrayEquals(frozenBefore.reshape(-1).toDoubleVector(),
                        net.getLayer(1).params().reshape(-1).toDoubleVector(), "frozen BN unchanged, exactly"),
                () -> assertTrue(net.getLayer(1).getClass().getSimpleName().startsWith("Frozen"), "BN is frozen"));
    }

    @Test
    void aGroupSizeThatDoesNotDivideTheWorkersIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyncTrainingMaster.Builder(4, 2).bnMode(BnMode.group(3)).build());
        assertEquals("bn group:3 needs a number of workers that is a multiple of 3 (groups of 3 consecutive workers), "
                + "but there are 4 workers; use a multiple of 3 workers or another group size", e.getMessage());
    }

    @Test
    void moreWorkersThanSlotsIsRefusedAtOnce() {
        MultiLayerNetwork net = (MultiLayerNetwork) build(false, new Adam(0.02));
        SyncTrainingMaster tm = new SyncTrainingMaster.Builder(5, 2).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SparkDl4jMultiLayer(sc, net, tm).fit(rdd(data(10, 1))));
        assertEquals("training needs all 5 workers running at once, but the cluster offers 4 task slots (master "
                + "local[4], spark.task.cpus 1); give the job at least 5 executor cores (e.g. spark-submit "
                + "--total-executor-cores 5, or --num-executors x --executor-cores >= 5; local[5] in one process), or "
                + "use 4 workers", e.getMessage());
    }

    static List<String> withoutTimes(List<StepMetrics> steps) {
        return steps.stream().map(m -> m.iteration() + " " + m.examples() + " " + m.loss() + " " + m.correct()).toList();
    }

    /** The per-step global batches of an epoch: worker shards in rank order, as {@link EpochSplit} defines them. */
    static List<DataSet> referenceBatches(List<DataSet> data, int workers, int b, long seed, int epoch) {
        return referenceShards(data, workers, b, seed, epoch).stream()
                .map(step -> DataSet.merge(step.stream().filter(d -> d != null).toList())).toList();
    }

    /** Per step, each worker's shard ({@code null} when empty), as {@link EpochSplit} defines them. */
    static List<List<DataSet>> referenceShards(List<DataSet> data, int workers, int b, long seed, int epoch) {
        List<DataSet> examples = new ArrayList<>();
        for (DataSet d : data) {
            examples.addAll(d.asList());
        }
        EpochSplit split = new EpochSplit(examples.size(), workers, b, seed, epoch);
        IndexPermutation perm = split.permutation();
        DataSet[][] byWorker = new DataSet[workers][(int) split.examplesOf(0)];
        for (int g = 0; g < examples.size(); g++) {
            long r = perm.apply(g);
            byWorker[split.workerOf(r)][(int) split.positionOf(r)] = examples.get(g);
        }
        List<List<DataSet>> steps = new ArrayList<>();
        for (int s = 0; s < split.steps(); s++) {
            List<DataSet> shards = new ArrayList<>();
            for (int k = 0; k < workers; k++) {
                List<DataSet> shard = new ArrayList<>();
                for (int i = 0; i < split.shardSize(k, s); i++) {
                    shard.add(byWorker[k][s * b + i]);
                }
                shards.add(shard.isEmpty() ? null : DataSet.merge(shard));
            }
            steps.add(shards);
        }
        return steps;
    }

    /** {@code n} examples in DataSets of mixed sizes (1 to 4). */
    static List<DataSet> data(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        int made = 0;
        int size = 1;
        while (made < n) {
            int m = Math.min(size, n - made);
            INDArray x = Nd4j.rand(DataType.DOUBLE, m, 1, 5, 5).muli(2);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, m, 3);
            for (int i = 0; i < m; i++) {
                y.putScalar(i, (int) ((made + i + seed) % 3), 1.0);
            }
            out.add(new DataSet(x, y));
            made += m;
            size = size % 4 + 1;
        }
        return out;
    }

    static JavaRDD<DataSet> rdd(List<DataSet> data) {
        return sc.parallelize(data, 3);
    }

    static Model build(boolean graph, org.nd4j.linalg.learning.config.IUpdater updater) {
        return build(graph, updater, DataType.DOUBLE);
    }

    static Model build(boolean graph, org.nd4j.linalg.learning.config.IUpdater updater, DataType dataType) {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(3).dataType(dataType)
                .updater(updater);
        ConvolutionLayer conv = new ConvolutionLayer.Builder(3, 3).nOut(4).padding(1, 1).hasBias(false)
                .activation(Activation.IDENTITY).build();
        SyncBatchNormalization bn = new SyncBatchNormalization.Builder().build();
        OutputLayer out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).build();
        InputType in = InputType.convolutional(5, 5, 1, CNN2DFormat.NCHW);
        if (!graph) {
            MultiLayerNetwork net = new MultiLayerNetwork(base.list().layer(conv).layer(bn)
                    .layer(new ActivationLayer(Activation.RELU)).layer(new GlobalPoolingLayer(PoolingType.AVG))
                    .layer(out).setInputType(in).build());
            net.init();
            return net;
        }
        ComputationGraph g = new ComputationGraph(base.graphBuilder().addInputs("in").addLayer("conv", conv, "in")
                .addLayer("bn", bn, "conv").addLayer("relu", new ActivationLayer(Activation.RELU), "bn")
                .addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "relu").addLayer("out", out, "pool")
                .setOutputs("out").setInputTypes(in).build());
        g.init();
        return g;
    }

    static void assertClose(INDArray expected, INDArray actual, String what) {
        double[] e = expected.toDoubleVector();
        double[] a = actual.toDoubleVector();
        assertEquals(e.length, a.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]) / (1 + Math.abs(e[i])));
        }
        assertTrue(worst <= TOLERANCE, what + ": relative error " + worst + " > " + TOLERANCE);
    }
}
