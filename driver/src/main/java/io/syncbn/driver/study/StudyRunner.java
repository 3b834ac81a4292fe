package io.syncbn.driver.study;

import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.data.DataSource;
import io.syncbn.driver.data.DataSources;
import io.syncbn.driver.progress.TrainingProgress;
import io.syncbn.driver.run.MetricsLog;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.run.RunRefusedException;
import io.syncbn.driver.run.RunSummary;
import io.syncbn.driver.run.StepRecord;
import io.syncbn.driver.run.TrainingRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs a study in its directory, cell after cell, and writes its report.
 *
 * <p>Directory: {@code study.properties} (the settings every cell shares, written first),
 * {@code cells/<cell id>/} (each cell's run directory, as {@code syncbn train} writes it),
 * {@code study.csv} (one row per finished cell, updated after each) and the report ({@link
 * StudyReport}). Running a study again in the same directory resumes it: finished cells (by identity,
 * {@link StudyCell}) are kept, an interrupted cell continues from its last checkpoint, and the other
 * cells train; the shared settings must be the same, or it is refused before anything trains.
 */
public final class StudyRunner {

    /** The settings file. */
    public static final String SETTINGS = "study.properties";
    /** The results table. */
    public static final String CSV = "study.csv";
    /** The directory of the cells' runs. */
    public static final String CELLS = "cells";

    private final StudyConfig config;
    private final Path dir;
    private final String command;
    private final PrintStream out;
    private final Supplier<TrainingProgress> progress;

    /**
     * @param config the validated study
     * @param dir the study directory (new, or a study to resume)
     * @param command the command line, for the report
     * @param out where the progress of cells is printed
     * @param progress a live step display per cell
     */
    public StudyRunner(StudyConfig config, Path dir, String command, PrintStream out,
            Supplier<TrainingProgress> progress) {
        this.config = config;
        this.dir = dir;
        this.command = command;
        this.out = out;
        this.progress = progress;
    }

    /**
     * Trains every cell not finished yet and writes the report.
     *
     * @return the finished cells, in plan order
     * @throws RunRefusedException if the directory holds another study or something else
     * @throws io.syncbn.driver.data.DataException if the data cannot be used, before anything trains
     */
    public List<CellResult> run() throws IOException {
        DataSource data = DataSources.open(config.base().data());
        data.requireAtLeast(config.globalBatch());
        StudySettings.claim(dir.resolve(SETTINGS), config.sharedSettings());
        Path csv = dir.resolve(CSV);
        Map<StudyCell, CellResult> done = new HashMap<>();
        for (CellResult r : StudyCsv.read(csv)) {
            done.put(r.cell(), r);
        }
        List<StudyConfig.PlannedCell> plan = config.cells();
        List<CellResult> rows = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            StudyConfig.PlannedCell cell = plan.get(i);
            String label = String.format(Locale.ROOT, "cell %d/%d %s (per-worker batch %d, %s BN, seed %d, %d worker%s)",
                    i + 1, plan.size(), cell.cell().id(), cell.cell().perWorkerBatch(),
                    cell.reference() ? "reference" : cell.cell().bn(), cell.cell().seed(), cell.workers(),
                    cell.workers() == 1 ? "" : "s");
            CellResult result = done.get(cell.cell());
            if (result != null) {
                out.println(label + ": finished earlier (" + CSV + ")");
            } else {
                out.println(label);
                result = runCell(cell);
                StudyCsv.append(csv, result);
                out.printf(Locale.ROOT, "%s: test accuracy %.4f (running statistics), %s (batch statistics), %.0f s%n",
                        cell.cell().id(), result.testAccuracyRunning(), fmt(result.testAccuracyBatch()),
                        result.seconds());
            }
            rows.add(result);
        }
        ReportHeader header = new ReportHeader("Small per-worker batches and batch normalization",
                config.globalBatch(), config.base().epochs(), data.name(), config.base().model(),
                config.modes(), config.perWorkerBatches(), config.seeds(),
                command, rows.stream().mapToDouble(CellResult::seconds).sum(), data.classes());
        Path report = StudyReport.write(dir, header, rows, curves(plan));
        out.println("study finished: " + rows.size() + " cells in " + dir.resolve(CSV) + "; report " + report);
        return rows;
    }

    /** Trains (or continues, or reads back) one cell's run. */
    private CellResult runCell(StudyConfig.PlannedCell cell) throws IOException {
        RunDirectory run = runDirectory(cell);
        TrainConfig train = config.trainConfig(cell, run.path().toString());
        RunDirectory.State state = run.state();
        if (state == RunDirectory.State.FOREIGN) {
            throw new RunRefusedException("the study's cell directory " + run + " holds something other than a "
                    + "syncbn run; move it away to train the cell " + cell.cell().id());
        }
        double seconds;
        if (state == RunDirectory.State.FINISHED) {
            seconds = RunSummary.readRunSeconds(run.file(RunDirectory.SUMMARY));
        } else {
            boolean resume = state == RunDirectory.State.UNFINISHED;
            if (resume) {
                out.println("continuing the interrupted run in " + run);
            }
            try (TrainingProgress live = progress.get()) {
                seconds = new TrainingRun(train, run, resume, out, live).run().runSeconds();
            }
        }
        return CellResults.of(cell, config.globalBatch(), MetricsLog.read(run.file(RunDirectory.METRICS)), seconds);
    }

    private RunDirectory runDirectory(StudyConfig.PlannedCell cell) {
        return new RunDirectory(dir.resolve(CELLS).resolve(cell.cell().id()));
    }

    /**
     * Training curves for the report: of the first seed, the reference and every mode at the
     * smallest per-worker batch.
     */
    private List<Curve> curves(List<StudyConfig.PlannedCell> plan) throws IOException {
        long seed = config.seeds().get(0);
        int smallest = config.perWorkerBatches().stream().mapToInt(Integer::intValue).min().orElseThrow();
        List<Curve> curves = new ArrayList<>();
        for (StudyConfig.PlannedCell cell : plan) {
            if (cell.cell().seed() != seed || !(cell.reference() || cell.cell().perWorkerBatch() == smallest)) {
                continue;
            }
            Path metrics = runDirectory(cell).file(RunDirectory.METRICS);
            if (!Files.exists(metrics)) {
                continue;
            }
            List<StepRecord> steps = MetricsLog.read(metrics).steps();
            double[] x = new double[steps.size()];
            double[] loss = new double[steps.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
                loss[i] = steps.get(i).loss();
            }
            String label = cell.reference() ? "reference (b=" + cell.cell().perWorkerBatch() + ", 1 worker)"
                    : "b=" + cell.cell().perWorkerBatch() + " " + cell.cell().bn();
            curves.add(new Curve(label + ", seed " + seed, x, loss));
        }
        return curves;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }
}
