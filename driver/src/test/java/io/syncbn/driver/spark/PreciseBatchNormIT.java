package io.syncbn.driver.spark;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.worker.split.EpochSplit;
import io.syncbn.worker.split.IndexPermutation;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * PreciseBN on Spark {@code local[3]}: on a trained network whose running statistics were deliberately
 * corrupted, it restores them to the population statistics computed directly — the inputs of each BN
 * layer, from DL4J's own training-mode {@code feedForward} of each batch (which normalizes with the
 * batch's statistics), pooled over the same batches and reduced with plain loops — to 1e-6, and gives
 * the same statistics with 1, 2 and 3 workers. Too few examples are refused.
 */
@Tag("integration")
class PreciseBatchNormIT {

    private static final double TOLERANCE = 1e-6;
    private static final int BATCH = 8;
    private static final int BATCHES = 6;
    private static final long SEED = 17;
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[3]").setAppName("PreciseBatchNormIT")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void restoresCorruptedRunningStatisticsToThePopulationOnes() {
        List<DataSet> data = SyncTrainingMasterIT.data(60, 4);
        MultiLayerNetwork trained = (MultiLayerNetwork) SyncTrainingMasterIT.build(false, new Adam(0.05));
        for (DataSet d : data.subList(0, 10)) {
            trained.fit(d);
        }
        double[][] direct = direct(trained, data);
        List<Executable> checks = new ArrayList<>();
        List<double[]> byWorkers = new ArrayList<>();
        for (int workers = 1; workers <= 3; workers++) {
            MultiLayerNetwork net = trained.clone();
            net.getLayer(1).setParam("mean", Nd4j.valueArrayOf(new long[] {1, 4}, 5.0, DataType.DOUBLE));
            net.getLayer(1).setParam("var", Nd4j.valueArrayOf(new long[] {1, 4}, 100.0, DataType.DOUBLE));
            PreciseBatchNorm.apply(sc, net, rdd(data), BATCH, BATCHES, workers, SEED);
            double[] mean = net.getLayer(1).getParam("mean").toDoubleVector();
            double[] var = net.getLayer(1).getParam("var").toDoubleVector();
            int w = workers;
            checks.add(() -> assertTrue(error(direct[0], mean) <= TOLERANCE,
                    w + " worker(s), mean: " + error(direct[0], mean)));
            checks.add(() -> assertTrue(error(direct[1], var) <= TOLERANCE,
                    w + " worker(s), unbiased variance: " + error(direct[1], var)));
            byWorkers.add(var);
        }
        checks.add(() -> assertTrue(error(byWorkers.get(0), byWorkers.get(2)) <= 1e-12,
                "1 and 3 workers agree"));
        checks.add(() -> assertTrue(error(direct[1],
                trained.getLayer(1).getParam("var").toDoubleVector()) > 1e-3,
                "the EMA of training differs from the population statistics, so the test can tell"));
        assertAll(checks);
    }

    @Test
    void tooFewExamplesAreRefused() {
        MultiLayerNetwork net = (MultiLayerNetwork) SyncTrainingMasterIT.build(false, new Adam(0.05));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreciseBatchNorm.apply(sc, net, rdd(SyncTrainingMasterIT.data(20, 1)), 8, 3, 2, 1));
        assertEquals("PreciseBN over 3 batches of 8 needs 24 examples, but the data hold 20; use at most 2 batches "
                + "or a smaller batch", e.getMessage());
    }

    /** {mean, unbiased variance} of BN layer 1's input over the batches PreciseBN uses, by loops. */
    private static double[][] direct(MultiLayerNetwork net, List<DataSet> data) {
        List<DataSet> examples = new ArrayList<>();
        data.forEach(d -> examples.addAll(d.asList()));
        IndexPermutation perm = new EpochSplit(examples.size(), 1, 1, SEED, 0).permutation();
        DataSet[] byRank = new DataSet[examples.size()];
        for (int g = 0; g < examples.size(); g++) {
            byRank[(int) perm.apply(g)] = examples.get(g);
        }
        List<INDArray> inputs = new ArrayList<>();
        for (int k = 0; k < BATCHES; k++) {
            List<DataSet> batch = new ArrayList<>();
            for (int r = k * BATCH; r < (k + 1) * BATCH; r++) {
                batch.add(byRank[r]);
            }
            inputs.add(net.clone().feedForward(DataSet.merge(batch).getFeatures(), true).get(1));
        }
        int channels = (int) inputs.get(0).size(1);
        double[] mean = new double[channels];
        double[] var = new double[channels];
        for (int c = 0; c < channels; c++) {
            List<Double> values = new ArrayList<>();
            for (INDArray x : inputs) {
                for (double v : x.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(),
                        NDArrayIndex.all()).dup('c').reshape(-1).toDoubleVector()) {
                    values.add(v);
                }
            }
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            mean[c] = sum / values.size();
            double sq = 0;
            for (double v : values) {
                sq += (v - mean[c]) * (v - mean[c]);
            }
            var[c] = sq / (values.size() - 1);
        }
        return new double[][] {mean, var};
    }

    /** {@code max|a - e| / (1 + max|e|)}. */
    private static double error(double[] expected, double[] actual) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / (1 + scale);
    }

    private static JavaRDD<MultiDataSet> rdd(List<DataSet> data) {
        return sc.parallelize(data, 3).map(DataSet::toMultiDataSet);
    }
}
