package io.syncbn.worker.replica;

import static io.syncbn.worker.replica.ReplicaEquivalenceTest.bits;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.shards;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.syncbn.api.BnMode;
import io.syncbn.api.StepMetrics;
import io.syncbn.collective.InProcessGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The per-step statistics diagnostics against a direct computation: the batch-normalization input of
 * each worker (the convolution's output, computed by a separate network) is reduced with plain loops
 * to per-channel means and biased variances, locally and over every worker's shard, and the two
 * divergence measures are averaged over channels and over the workers that hold examples. The
 * diagnostics must also leave training unchanged (bit-identical parameters with and without them),
 * and appear only on the steps they are due.
 */
class DiagnosticsTest {

    private static final double TOLERANCE = 1e-12;
    private static final double EPS = 1e-5;

    @ParameterizedTest(name = "bn {0}")
    @ValueSource(strings = {"sync", "local", "group:2"})
    void firstStepMatchesADirectComputationAndTrainingIsUnchanged(String bn) {
        int workers = 4;
        int[][] schedule = {{3, 0, 2, 1}, {2, 2, 2, 2}, {1, 3, 2, 2}};
        List<List<DataSet>> shards = shards("list-conv", schedule, DataType.DOUBLE);
        MultiLayerNetwork probe = (MultiLayerNetwork) ReplicaEquivalenceTest.build("list-conv", "adam", DataType.DOUBLE);
        INDArray initial = probe.params().dup();
        BnMode mode = BnMode.parse(bn);

        List<List<StepMetrics>> withDiagnostics = run(mode, workers, initial, shards, 2);
        List<List<StepMetrics>> without = run(mode, workers, initial, shards, 0);
        double[] expected = direct(probe, shards.get(0));

        StepMetrics first = withDiagnostics.get(0).get(0);
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(expected[0], first.divergenceMean()[0], TOLERANCE, "mean divergence"));
        checks.add(() -> assertEquals(expected[1], first.divergenceLogVar()[0], TOLERANCE, "log-variance divergence"));
        checks.add(() -> assertNull(withDiagnostics.get(0).get(1).divergenceMean(), "step 2 is not due"));
        checks.add(() -> assertEquals(1, withDiagnostics.get(0).get(2).divergenceMean().length, "step 3 is due"));
        for (int k = 1; k < workers; k++) {
            int rank = k;
            checks.add(() -> assertArrayEquals(first.divergenceMean(), withDiagnostics.get(rank).get(0).divergenceMean(),
                    "rank " + rank + " reports the same values"));
        }
        checks.add(() -> assertEquals(without.get(0).get(2).loss(), withDiagnostics.get(0).get(2).loss(), 0.0,
                "loss with and without diagnostics"));
        assertAll(checks);
        assertArrayEquals(bits(params(mode, workers, initial, shards, 0)), bits(params(mode, workers, initial, shards, 1)),
                "parameters with and without diagnostics must be bit-identical");
    }

    /** {mean divergence, log-variance divergence} of the first step, computed directly. */
    private static double[] direct(MultiLayerNetwork probe, List<DataSet> step) {
        List<double[][]> local = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        for (DataSet shard : step) {
            if (shard != null) {
                INDArray x = probe.feedForwardToLayer(0, shard.getFeatures(), false).get(1);
                inputs.add(x);
                local.add(moments(List.of(x)));
            }
        }
        double[][] global = moments(inputs);
        int channels = global[0].length;
        double meanSum = 0;
        double logSum = 0;
        for (double[][] m : local) {
            double shift = 0;
            double ratio = 0;
            for (int c = 0; c < channels; c++) {
                shift += Math.abs(m[0][c] - global[0][c]) / Math.sqrt(global[1][c] + EPS);
                ratio += Math.abs(Math.log((m[1][c] + EPS) / (global[1][c] + EPS)));
            }
            meanSum += shift / channels;
            logSum += ratio / channels;
        }
        return new double[] {meanSum / local.size(), logSum / local.size()};
    }

    /** Per-channel {mean, biased variance} over N, H, W of NCHW arrays, two-pass. */
    private static double[][] moments(List<INDArray> xs) {
        int channels = (int) xs.get(0).size(1);
        double[] mean = new double[channels];
        double[] var = new double[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            long n = 0;
            for (INDArray x : xs) {
                for (int i = 0; i < x.size(0); i++) {
                    for (int h = 0; h < x.size(2); h++) {
                        for (int w = 0; w < x.size(3); w++) {
                            sum += x.getDouble(i, c, h, w);
                            n++;
                        }
                    }
                }
            }
            mean[c] = sum / n;
            double sq = 0;
            for (INDArray x : xs) {
                for (int i = 0; i < x.size(0); i++) {
                    for (int h = 0; h < x.size(2); h++) {
                        for (int w = 0; w < x.size(3); w++) {
                            double d = x.getDouble(i, c, h, w) - mean[c];
                            sq += d * d;
                        }
                    }
                }
            }
            var[c] = sq / n;
        }
        return new double[][] {mean, var};
    }

    private static List<List<StepMetrics>> run(BnMode mode, int workers, INDArray initial, List<List<DataSet>> shards,
            int every) {
        return InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            Model net = ReplicaEquivalenceTest.build("list-conv", "adam", DataType.DOUBLE);
            net.setParams(initial.dup());
            Replica replica = Replica.of(net, c, mode, every);
            List<StepMetrics> out = new ArrayList<>();
            for (List<DataSet> step : shards) {
                out.add(replica.step(step.get(c.rank())));
            }
            return out;
        });
    }

    private static INDArray params(BnMode mode, int workers, INDArray initial, List<List<DataSet>> shards, int every) {
        return InProcessGroup.runEach(workers, Duration.ofSeconds(60), c -> {
            Model net = ReplicaEquivalenceTest.build("list-conv", "adam", DataType.DOUBLE);
            net.setParams(initial.dup());
            Replica replica = Replica.of(net, c, mode, every);
            for (List<DataSet> step : shards) {
                replica.step(step.get(c.rank()));
            }
            return net.params().dup();
        }).get(0);
    }
}
