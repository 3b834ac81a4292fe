package io.syncbn.driver.evaluation;

import io.syncbn.driver.data.Batches;
import io.syncbn.nn.InputMoments;
import io.syncbn.nn.SyncBatchNorm;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.nn.layers.InferenceStatistics;
import io.syncbn.nn.params.SyncBatchNormParamInitializer;
import io.syncbn.stats.ChannelMoments;
import io.syncbn.stats.StatisticsDivergence;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Measures {@link EpochDiagnostics} on the driver's copy of the network, without changing it: the
 * layers' observers and inference setting are restored on every path.
 *
 * <p>Population statistics: one inference pass over the training set; each batch-normalization layer
 * reports the per-channel moments of its input, merged exactly over all batches (Chan et al.), so
 * the result does not depend on the pass's batch size. These are the statistics the running
 * averages are meant to estimate: what each layer receives at inference time (Wu &amp; Johnson 2021,
 * "Rethinking 'Batch' in BatchNorm", section 3).
 */
public final class EpochDiagnosis {

    /** Examples per inference call: large enough to amortize overhead, small enough for memory. */
    static final int PASS_BATCH = 512;

    private EpochDiagnosis() {
    }

    /**
     * Measures the diagnostics.
     *
     * @param network a {@link MultiLayerNetwork} or {@link ComputationGraph} with at least one
     *     {@link SyncBatchNormalizationLayer}
     * @param train the training examples (population statistics)
     * @param test the held-out examples
     * @param batch the per-worker batch the network was trained with (the test block size)
     */
    public static EpochDiagnostics measure(Model network, DataSet train, DataSet test, int batch) {
        List<SyncBatchNormalizationLayer> layers = SyncBatchNorm.layers(network);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            names.add("bn" + (i + 1));
        }
        List<ChannelMoments> population = population(network, layers, train);
        double[] gapMean = new double[layers.size()];
        double[] gapLogVar = new double[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            SyncBatchNormalizationLayer layer = layers.get(i);
            ChannelMoments p = population.get(i);
            StatisticsDivergence gap = StatisticsDivergence.of(
                    layer.getParam(SyncBatchNormParamInitializer.GLOBAL_MEAN).toDoubleVector(),
                    layer.getParam(SyncBatchNormParamInitializer.GLOBAL_VAR).toDoubleVector(),
                    p.mean(), p.biasedVariance(), layer.layerConf().getEps());
            gapMean[i] = gap.mean();
            gapLogVar[i] = gap.logVar();
        }
        TestResult withBatchStats = batchStatistics(network, layers, test, batch);
        return new EpochDiagnostics(names, gapMean, gapLogVar,
                withBatchStats == null ? Double.NaN : withBatchStats.accuracy(),
                withBatchStats == null ? Double.NaN : withBatchStats.loss(), batch);
    }

    /** Per layer, the moments of its input over all of {@code data}, in inference mode. */
    static List<ChannelMoments> population(Model network, List<SyncBatchNormalizationLayer> layers, DataSet data) {
        try (InputMoments observed = InputMoments.observe(layers)) {
            for (DataSet batch : Batches.split(data, PASS_BATCH)) {
                if (network instanceof MultiLayerNetwork mln) {
                    mln.output(batch.getFeatures(), false);
                } else {
                    ((ComputationGraph) network).outputSingle(false, batch.getFeatures());
                }
            }
            return observed.moments();
        }
    }

    /**
     * The test result with every block of {@code batch} examples normalized by its own statistics, or
     * {@code null} when some block has fewer than 2 values per channel in some layer.
     */
    static TestResult batchStatistics(Model network, List<SyncBatchNormalizationLayer> layers, DataSet test,
            int batch) {
        try {
            for (SyncBatchNormalizationLayer layer : layers) {
                layer.setInferenceStatistics(InferenceStatistics.BATCH, batch);
            }
            int passBatch = Math.max(1, PASS_BATCH / batch) * batch;
            return TestEvaluation.evaluate(network, test, passBatch);
        } catch (IllegalArgumentException tooFewValues) {
            org.slf4j.LoggerFactory.getLogger(EpochDiagnosis.class).warn(
                    "no test accuracy with batch statistics: {}", tooFewValues.getMessage());
            return null;
        } finally {
            for (SyncBatchNormalizationLayer layer : layers) {
                layer.setInferenceStatistics(InferenceStatistics.RUNNING, 1);
            }
        }
    }
}
