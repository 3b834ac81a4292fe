package io.syncbn.driver.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The report's table of all cells (one row per cell, the study's summary columns) and its glossary,
 * which defines every column. Accuracies have three decimals, losses three decimals, divergences
 * three significant digits, seconds none; a value not measured is {@code n/a}.
 */
final class StudyTable {

    /** The column headings, in order. */
    static final List<String> HEADINGS = List.of("cell", "b", "BN", "seed", "workers", "reference", "acc (running)",
            "acc (batch)", "test loss", "train loss", "div μ", "div log σ²", "gap μ", "gap log σ²", "seconds");

    private StudyTable() {
    }

    /**
     * The table rows: the non-reference cells by per-worker batch, mode (in {@code modeOrder}) and
     * seed, then the reference cells by seed.
     */
    static List<List<String>> rows(List<CellResult> rows, List<String> modeOrder) {
        List<String> modes = StudyGroups.modes(rows, modeOrder);
        Comparator<CellResult> order = Comparator.comparing(CellResult::reference)
                .thenComparingInt(r -> r.cell().perWorkerBatch())
                .thenComparingInt(r -> r.reference() ? 0 : modes.indexOf(r.cell().bn()))
                .thenComparing(r -> r.cell().bn())
                .thenComparingLong(r -> r.cell().seed());
        List<List<String>> out = new ArrayList<>();
        for (CellResult r : rows.stream().sorted(order).toList()) {
            out.add(List.of(r.cell().id(), Integer.toString(r.cell().perWorkerBatch()), r.cell().bn(),
                    Long.toString(r.cell().seed()), Integer.toString(r.workers()), r.reference() ? "yes" : "no",
                    StudyFindings.fixed(r.testAccuracyRunning(), 3), StudyFindings.fixed(r.testAccuracyBatch(), 3),
                    StudyFindings.fixed(r.testLoss(), 3), StudyFindings.fixed(r.finalTrainLoss(), 3),
                    StudyFindings.significant(r.meanDivergence()), StudyFindings.significant(r.meanLogVarDivergence()),
                    StudyFindings.significant(StudyCsv.layerMean(r.runningGapMean())),
                    StudyFindings.significant(StudyCsv.layerMean(r.runningGapLogVar())),
                    Double.isNaN(r.seconds()) ? "n/a" : String.format(Locale.ROOT, "%.0f", r.seconds())));
        }
        return out;
    }

    /** One {term, definition} per column of the table, in column order, then the notation. */
    static List<String[]> glossary(int globalBatch) {
        String eps = " Variances are biased (divided by the count) and include the layer's ε: σ is √(σ² + ε), as "
                + "normalization uses them.";
        return List.of(
                new String[] {"cell", "The cell's identity: per-worker batch, BN mode and seed, e.g. b4-group4-s1."},
                new String[] {"b", "Per-worker batch: examples each worker normalizes and trains on per step."},
                new String[] {"BN", "Batch-normalization mode in training. sync: statistics of the whole global batch "
                        + "of " + globalBatch + ", all-reduced over the workers every step. local: statistics of "
                        + "each worker's own b examples, as plain data-parallel training does. group:K: statistics "
                        + "of each group of K consecutive workers (K·b examples). ghost:V: ghost BN, statistics of "
                        + "consecutive virtual batches of V of each worker's own examples. renorm: local statistics "
                        + "with batch renormalization (Ioffe 2017), corrected toward moving averages."},
                new String[] {"seed", "Seed of the initial weights and of the data order."},
                new String[] {"workers", "N = " + globalBatch + " / b, the number of workers."},
                new String[] {"reference", "yes for the reference: one worker holding the whole global batch of "
                        + globalBatch + " in one process, where all BN modes compute the same statistics."},
                new String[] {"acc (running)", "Test accuracy in inference mode, normalizing with the running "
                        + "statistics accumulated in training: what a deployed model does."},
                new String[] {"acc (batch)", "Test accuracy normalizing each test mini-batch of b examples with its "
                        + "own statistics: the normalization the network saw in training. Its difference from acc "
                        + "(running) is the train/inference gap."},
                new String[] {"test loss", "Mean test loss per example, with running statistics."},
                new String[] {"train loss", "Mean training loss per example over the last epoch, in training mode."},
                new String[] {"div μ", "Divergence of the means: per BN layer, the mean over the last epoch's "
                        + "diagnostic steps, channels and workers of |μ_local − μ_global| / σ_global, where local "
                        + "is one worker's b examples and global the whole global batch; then the mean over "
                        + "layers. 0 means every worker saw the global statistics." + eps},
                new String[] {"div log σ²", "Divergence of the variances: the same mean of |log(σ²_local / "
                        + "σ²_global)|; 0 means equal variances, 0.69 a factor of 2." + eps},
                new String[] {"gap μ", "Running-statistics gap of the means, after the last epoch: per BN layer, the "
                        + "mean over channels of |μ_running − μ_population| / σ_population, where population is "
                        + "the layer input's statistics over a whole pass of the data with the final weights (what "
                        + "the running statistics estimate); then the mean over layers." + eps},
                new String[] {"gap log σ²", "Running-statistics gap of the variances: the same mean of "
                        + "|log(σ²_running / σ²_population)|." + eps},
                new String[] {"seconds", "Wall time of the cell's training run, evaluation included."},
                new String[] {"n/a", "Not measured."},
                new String[] {"± and points", "a ± s is the mean a and the sample standard deviation s over seeds; "
                        + "one point is an accuracy difference of 0.01."});
    }
}
