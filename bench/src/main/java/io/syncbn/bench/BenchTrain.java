package io.syncbn.bench;

import io.syncbn.api.BnMode;
import io.syncbn.api.StepMetrics;
import io.syncbn.driver.models.ModelSpec;
import io.syncbn.driver.models.Models;
import io.syncbn.driver.spark.SyncKryoRegistrator;
import io.syncbn.driver.spark.SyncTrainingMaster;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code scripts/bench-train}: training throughput of the fmnist-cnn on 28×28 images (synthetic,
 * class-structured) on this machine, all in one run: this trainer with N workers in {@code local[N]};
 * single-process DL4J {@code fit} on the same global batch; DL4J's {@code
 * ParameterAveragingTrainingMaster} at the same N and batch, averaging every step and every 5 steps;
 * and this trainer with per-worker ("local") BN. Each Spark configuration trains warm-up epochs, then
 * measured epochs; examples/s is end to end (epoch wall time, Spark overheads included), and the
 * sync/local ratio compares median step times. Last line: {@code RESULT over_single=<x> over_pa1=<y>
 * over_pa5=<z> sync_over_local=<w>}.
 */
public final class BenchTrain {

    private BenchTrain() {
    }

    /** Arguments: [workers=2] [perWorkerBatch=16] [examples=2048] [measuredEpochs=2]. */
    public static void main(String[] args) {
        int workers = arg(args, 0, 2);
        int b = arg(args, 1, 16);
        int examples = arg(args, 2, 2048);
        int epochs = arg(args, 3, 2);
        List<DataSet> data = synthetic(examples, 7);
        SparkConf conf = new SparkConf().setMaster("local[" + workers + "]").setAppName("bench-train")
                .set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", SyncKryoRegistrator.class.getName());
        System.out.printf("fmnist-cnn, %d examples of 28x28, %d workers x %d examples per step (global batch %d), "
                + "%d measured epochs after 1 warm-up%n", examples, workers, b, workers * b, epochs);
        double single = singleProcess(data, workers * b, epochs);
        double sync;
        double local;
        double pa1;
        double pa5;
        double syncStep;
        double localStep;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            JavaRDD<DataSet> rdd = sc.parallelize(data, workers).cache();
            rdd.count();
            SyncTrainingMaster syncTm = new SyncTrainingMaster.Builder(workers, b).build();
            sync = spark(sc, rdd, syncTm, examples, epochs);
            syncStep = medianStep(syncTm);
            SyncTrainingMaster localTm = new SyncTrainingMaster.Builder(workers, b).bnMode(BnMode.LOCAL).build();
            local = spark(sc, rdd, localTm, examples, epochs);
            localStep = medianStep(localTm);
            // Parameter averaging counts RDD elements as examples (rddDataSetNumExamples = 1), so give it
            // single-example DataSets: each worker then fits minibatches of b and averages as asked.
            JavaRDD<DataSet> oneEach = rdd.flatMap(d -> d.asList().iterator()).repartition(workers).cache();
            oneEach.count();
            pa1 = spark(sc, oneEach, paramAveraging(b, 1), examples, epochs);
            pa5 = spark(sc, oneEach, paramAveraging(b, 5), examples, epochs);
        }
        System.out.println();
        System.out.println("configuration                          examples/s");
        System.out.printf("single-process DL4J fit (batch %3d)     %8.1f%n", workers * b, single);
        System.out.printf("syncbn trainer, sync BN                 %8.1f   (median step %.1f ms)%n", sync, syncStep);
        System.out.printf("syncbn trainer, local BN                %8.1f   (median step %.1f ms)%n", local, localStep);
        System.out.printf("DL4J parameter averaging, every step    %8.1f%n", pa1);
        System.out.printf("DL4J parameter averaging, every 5 steps %8.1f%n", pa5);
        System.out.printf("ratios: over_single %.3f (target >= 0.8), over_pa1 %.3f (>= 3), over_pa5 %.3f (>= 1), "
                + "sync_over_local %.3f (<= 1.10)%n", sync / single, sync / pa1, sync / pa5, syncStep / localStep);
        System.out.printf("RESULT over_single=%.3f over_pa1=%.3f over_pa5=%.3f sync_over_local=%.3f%n",
                sync / single, sync / pa1, sync / pa5, syncStep / localStep);
        System.out.flush();
        // Spark leaves a non-daemon timer thread ("Barrier task timer") behind after stop().
        System.exit(0);
    }

    private static MultiLayerNetwork network() {
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list(Models.DEFAULT, ModelSpec.of(List.of(1, 28, 28), 10)));
        net.init();
        return net;
    }

    private static double singleProcess(List<DataSet> data, int globalBatch, int epochs) {
        MultiLayerNetwork net = network();
        List<DataSet> examples = new ArrayList<>();
        for (DataSet d : data) {
            examples.addAll(d.asList());
        }
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < examples.size(); i += globalBatch) {
            batches.add(DataSet.merge(examples.subList(i, Math.min(examples.size(), i + globalBatch))));
        }
        double[] rates = new double[epochs];
        for (int e = 0; e <= epochs; e++) {
            long start = System.nanoTime();
            for (DataSet batch : batches) {
                net.fit(batch);
            }
            double rate = examples.size() / ((System.nanoTime() - start) / 1e9);
            if (e > 0) {
                rates[e - 1] = rate;
            }
        }
        return medianOf(rates);
    }

    private static double spark(JavaSparkContext sc, JavaRDD<DataSet> rdd, TrainingMaster<?, ?> tm, int examples,
            int epochs) {
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network(), tm);
        double[] rates = new double[epochs];
        for (int e = 0; e <= epochs; e++) {
            long start = System.nanoTime();
            spark.fit(rdd);
            double rate = examples / ((System.nanoTime() - start) / 1e9);
            if (e > 0) {
                rates[e - 1] = rate;
            }
        }
        return medianOf(rates);
    }

    private static TrainingMaster<?, ?> paramAveraging(int b, int frequency) {
        return new ParameterAveragingTrainingMaster.Builder(1).batchSizePerWorker(b).averagingFrequency(frequency)
                .workerPrefetchNumBatches(0).collectTrainingStats(false).build();
    }

    private static double medianStep(SyncTrainingMaster tm) {
        return medianOf(tm.lastEpochMetrics().stream().mapToDouble(StepMetrics::millis).toArray());
    }

    private static double medianOf(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Class-structured images: a class-dependent bright square on noise, in DataSets of 32. */
    static List<DataSet> synthetic(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int start = 0; start < n; start += 32) {
            int m = Math.min(32, n - start);
            INDArray x = Nd4j.rand(DataType.FLOAT, m, 1, 28, 28).muli(0.3);
            INDArray y = Nd4j.zeros(DataType.FLOAT, m, 10);
            for (int i = 0; i < m; i++) {
                int label = (start + i) % 10;
                y.putScalar(i, label, 1f);
                int row = 2 + (label / 5) * 12;
                int col = 2 + (label % 5) * 5;
                x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(row, row + 10),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(col, col + 4)).addi(0.7);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }
}
