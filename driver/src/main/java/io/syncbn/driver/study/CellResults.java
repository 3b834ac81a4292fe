package io.syncbn.driver.study;

import io.syncbn.driver.evaluation.EpochDiagnostics;
import io.syncbn.driver.run.EpochRecord;
import io.syncbn.driver.run.MetricsLog;
import io.syncbn.driver.run.StepRecord;
import java.util.List;

/** Reads what a finished cell's run measured into its {@link CellResult}. */
final class CellResults {

    private CellResults() {
    }

    /**
     * The result of {@code planned}, from its run's metrics.
     *
     * @param globalBatch the study's global batch
     * @param metrics the run's {@code metrics.jsonl}
     * @param seconds the run's wall time
     * @throws IllegalArgumentException if the metrics hold no epoch
     */
    static CellResult of(StudyConfig.PlannedCell planned, int globalBatch, MetricsLog.Contents metrics,
            double seconds) {
        if (metrics.epochs().isEmpty()) {
            throw new IllegalArgumentException("cell " + planned.cell().id() + ": its metrics hold no epoch record");
        }
        EpochRecord last = metrics.epochs().get(metrics.epochs().size() - 1);
        EpochDiagnostics d = last.diagnostics();
        List<String> layers = d == null ? List.of() : d.layers();
        double[][] divergence = meanDivergence(metrics.steps(), last.epoch(), layers.size());
        return new CellResult(planned.cell(), planned.workers(), globalBatch, metrics.epochs().size(),
                planned.reference(), last.testAccuracy(), d == null ? Double.NaN : d.testAccuracyBatch(),
                last.testLoss(), last.trainLoss(), layers, divergence[0], divergence[1],
                d == null ? new double[0] : d.runningGapMean(), d == null ? new double[0] : d.runningGapLogVar(),
                seconds);
    }

    /**
     * Per layer, the mean over the diagnostic steps of {@code epoch} of the two divergence measures;
     * NaN for a layer without a value.
     */
    static double[][] meanDivergence(List<StepRecord> steps, int epoch, int layers) {
        double[] mean = new double[layers];
        double[] logVar = new double[layers];
        int[] n = new int[layers];
        for (StepRecord s : steps) {
            if (s.epoch() != epoch || !s.hasDiagnostics() || s.divergenceMean().length != layers) {
                continue;
            }
            for (int i = 0; i < layers; i++) {
                if (!Double.isNaN(s.divergenceMean()[i])) {
                    mean[i] += s.divergenceMean()[i];
                    logVar[i] += s.divergenceLogVar()[i];
                    n[i]++;
                }
            }
        }
        for (int i = 0; i < layers; i++) {
            mean[i] = n[i] == 0 ? Double.NaN : mean[i] / n[i];
            logVar[i] = n[i] == 0 ? Double.NaN : logVar[i] / n[i];
        }
        return new double[][] {mean, logVar};
    }
}
