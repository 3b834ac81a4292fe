package io.syncbn.driver.run;

import io.syncbn.api.StepMetrics;
import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.data.Batches;
import io.syncbn.driver.data.DataSource;
import io.syncbn.driver.data.DataSources;
import io.syncbn.driver.evaluation.EpochDiagnosis;
import io.syncbn.driver.evaluation.EpochDiagnostics;
import io.syncbn.driver.evaluation.TestEvaluation;
import io.syncbn.driver.evaluation.TestResult;
import io.syncbn.driver.models.ModelSpec;
import io.syncbn.driver.models.Models;
import io.syncbn.driver.progress.TrainingProgress;
import io.syncbn.driver.spark.PreciseBatchNorm;
import io.syncbn.driver.spark.SlotCheck;
import io.syncbn.driver.spark.SyncTrainingMaster;
import io.syncbn.worker.replica.MetricTotals;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * One training run, from a configuration to a finished run directory ({@link RunDirectory}).
 *
 * <p>Order of work: check the run directory (new, or unfinished when resuming); open the data and
 * build the network, so that bad input is refused before anything is written; start Spark; then per
 * epoch, shuffle and split the examples ({@link SyncTrainingMaster#prepare}), train its steps in
 * ranges of {@code checkpoint-every} steps (one barrier stage each, {@link
 * SyncTrainingMaster#trainSteps}) with a checkpoint after each range, evaluate on the held-out set and
 * checkpoint again; finally write the model, the chart and, last, the summary. A resumed run restores
 * the network from the checkpoint, cuts the metrics back to it and continues at its epoch and step;
 * because every step range of an epoch trains exactly as one stage would, it ends with the parameters
 * an uninterrupted run would have.
 */
public final class TrainingRun {

    /** Examples per element of the training RDD; the trainer regroups them per worker and step. */
    static final int RDD_CHUNK = 256;

    private final TrainConfig config;
    private final RunDirectory dir;
    private final boolean resume;
    private final PrintStream out;
    private final TrainingProgress progress;

    private final StageRetries retries;

    private MultiLayerNetwork net;
    private Checkpoint saved = Checkpoint.START;
    private MetricsLog metrics;
    private long sessionStart;
    private double earlierSeconds;

    /**
     * @param config the validated configuration; its {@code out} is ignored in favour of {@code dir}
     * @param dir the run directory
     * @param resume continue the unfinished run in {@code dir} instead of starting one
     * @param out where epoch results and the final accuracy are printed
     * @param progress the live progress display
     */
    public TrainingRun(TrainConfig config, RunDirectory dir, boolean resume, PrintStream out,
            TrainingProgress progress) {
        this.config = config;
        this.dir = dir;
        this.resume = resume;
        this.out = out;
        this.progress = progress;
        this.retries = new StageRetries(out, progress);
    }

    /**
     * Trains to the end and writes the finished run directory.
     *
     * @return the summary, also written to {@code summary.json}
     * @throws io.syncbn.driver.data.DataException for unusable data, before anything is written
     * @throws RunRefusedException if the directory cannot be used as asked, before anything is written
     * @throws IllegalArgumentException if the model cannot take the data, or the plan would give a
     *     batch-normalization layer a batch of one value per channel, before anything is written
     * @throws TrainingFailedException if training fails after the run directory was created
     */
    public RunSummary run() throws IOException {
        if (resume) {
            dir.requireResumable();
        } else {
            dir.requireNew();
        }
        DataSource data = DataSources.open(config.data());
        data.requireAtLeast(config.globalBatch());
        long preciseExamples = (long) config.preciseBn() * config.globalBatch();
        if (preciseExamples > data.trainCount()) {
            throw new io.syncbn.driver.config.ConfigException(TrainConfig.PRECISE_BN, "precise-bn " + config.preciseBn()
                    + " global batches of " + config.globalBatch() + " need " + preciseExamples + " training examples, "
                    + "but " + data.name() + " holds " + data.trainCount() + "; use at most "
                    + data.trainCount() / config.globalBatch());
        }
        MultiLayerConfiguration conf = layers(config, data);
        for (org.deeplearning4j.nn.conf.NeuralNetConfiguration layer : conf.getConfs()) {
            if (layer.getLayer() instanceof io.syncbn.nn.conf.SyncBatchNormalization bn) {
                bn.setVirtualBatchSize(config.bnVirtualBatch());
                bn.setRenormRMax(config.bnRenorm().rMax());
                bn.setRenormDMax(config.bnRenorm().dMax());
                bn.setRenormRampSteps(config.bnRenorm().rampSteps());
            }
        }
        // Every epoch has the batch sizes and the number of steps of the first.
        io.syncbn.worker.split.EpochSplit plan = new io.syncbn.worker.split.EpochSplit(data.trainCount(),
                config.workers(), config.perWorkerBatch(), config.seed(), 0);
        long totalSteps = (long) config.epochs() * plan.steps();
        io.syncbn.driver.models.Optimizers.apply(conf, config.optimization(),
                config.optimization().learningRate(config.learningRate(), config.globalBatch()), totalSteps);
        Path checkpoint = dir.file(RunDirectory.CHECKPOINT);
        if (resume && Files.exists(checkpoint)) {
            Checkpoints.Restored restored = Checkpoints.readToResume(checkpoint);
            net = restored.network();
            saved = restored.state();
            out.printf(Locale.ROOT, "resuming %s at epoch %d/%d, step %d%n", dir, saved.epoch() + 1, config.epochs(),
                    saved.step());
        } else {
            net = new MultiLayerNetwork(conf);
            net.init();
        }
        // The workers refuse such a plan too, but only once a stage runs; refuse it before anything starts.
        io.syncbn.worker.epoch.SmallBatchCheck.require(net, plan, config.bn(), data.train().get(0).toMultiDataSet());
        try (JavaSparkContext sc = SparkContexts.start(config)) {
            awaitSlots(sc);
            sessionStart = System.nanoTime();
            earlierSeconds = saved.runSeconds();
            SyncTrainingMaster master = new SyncTrainingMaster.Builder(config.workers(), config.perWorkerBatch())
                    .bnMode(config.bn()).seed(config.seed()).diagnosticsEvery(config.diagnosticsEvery())
                    .collectiveTimeout(java.time.Duration.ofSeconds(config.collectiveTimeout()))
                    .maxStageAttempts(config.maxStageAttempts()).build();
            master.addStageRetryListener(retries::failed);
            JavaRDD<MultiDataSet> examples = sc.parallelize(Batches.split(data.train(), RDD_CHUNK).stream()
                    .map(DataSet::toMultiDataSet).toList(), config.workers());
            out.printf(Locale.ROOT, "training %s on %s (%d examples, %d held out): %d workers x %d examples per step, "
                    + "%s BN, %d epoch(s), Spark master %s%n", config.model(), data.name(), data.trainCount(),
                    data.testCount(), config.workers(), config.perWorkerBatch(), config.bn(),
                    config.epochs(), sc.master());
            try {
                for (int epoch = saved.epoch(); epoch < config.epochs(); epoch++) {
                    trainEpoch(sc, master, examples, data, epoch);
                }
                return finish(data, sc, examples);
            } catch (Exception e) {
                // Spark's SparkException is checked but thrown undeclared through collect(): catch it too.
                if (metrics == null && e instanceof IOException io) {
                    throw io;
                }
                if (metrics == null && e instanceof RuntimeException re) {
                    throw re;
                }
                throw failed(e);
            } finally {
                if (metrics != null) {
                    metrics.close();
                }
            }
        }
    }

    private void awaitSlots(JavaSparkContext sc) {
        try {
            SlotCheck.requireSlots(sc.sc(), config.workers());
        } catch (SlotCheck.NotEnoughSlotsException e) {
            throw new RunRefusedException(e.getMessage().replace(Math.max(1, SlotCheck.available(sc.sc())) + " workers",
                    "--workers " + Math.max(1, SlotCheck.available(sc.sc()))));
        }
    }

    /** The network spec: the architecture's defaults, the data's shape and classes, the run's settings. */
    static ModelSpec spec(TrainConfig config, DataSource data) {
        return Models.get(config.model()).defaultSpec().withInputShape(data.featureShape())
                .withClasses(data.classes()).withSeed(config.seed()).withDataType(config.dtype())
                .withLearningRate(config.learningRate());
    }

    /** The network's layers, or a refusal naming the models that would take the data's examples. */
    private static MultiLayerConfiguration layers(TrainConfig config, DataSource data) {
        ModelSpec spec = spec(config, data);
        try {
            return Models.list(config.model(), spec);
        } catch (IllegalArgumentException e) {
            List<String> fitting = Models.names().stream().filter(name -> {
                try {
                    return Models.list(name, spec) != null;
                } catch (IllegalArgumentException notThisOne) {
                    return false;
                }
            }).toList();
            throw new io.syncbn.driver.config.ConfigException(TrainConfig.MODEL, e.getMessage() + " (the examples of "
                    + data.name() + "); " + (fitting.isEmpty() ? "no model takes that shape" : "use --model "
                    + String.join(" or --model ", fitting)) + ", or data whose examples " + config.model() + " takes");
        }
    }

    private void trainEpoch(JavaSparkContext sc, SyncTrainingMaster master, JavaRDD<MultiDataSet> examples,
            DataSource data, int epoch) throws IOException {
        try (SyncTrainingMaster.PreparedEpoch prepared = master.prepare(examples, epoch)) {
            openRun();
            int steps = prepared.split().steps();
            boolean resumed = epoch == saved.epoch() && saved.step() > 0;
            int from = resumed ? saved.step() : 0;
            double seconds = resumed ? saved.epochSeconds() : 0;
            MetricTotals totals = resumed ? totalsSoFar(epoch) : new MetricTotals();
            progress.startEpoch(epoch + 1, config.epochs(), steps, from);
            retries.startEpoch(epoch + 1, config.epochs(), steps);
            while (from < steps) {
                int to = config.checkpointEvery() > 0 ? Math.min(steps, from + config.checkpointEvery()) : steps;
                long start = System.nanoTime();
                List<StepMetrics> trained = master.trainSteps(sc, net, prepared, from, to, retries::step);
                seconds += (System.nanoTime() - start) / 1e9;
                for (int i = 0; i < trained.size(); i++) {
                    StepRecord record = StepRecord.of(epoch + 1, from + i + 1, steps, trained.get(i));
                    metrics.append(record);
                    totals.add(record.examples(), record.loss(), record.correct());
                }
                from = to;
                if (to < steps) {
                    checkpoint(new Checkpoint(epoch, to, 0, seconds, 0));
                }
            }
            progress.endEpoch();
            net.incrementEpochCount();
            TestResult test = TestEvaluation.evaluate(net, data.test());
            EpochDiagnostics diagnostics = config.diagnosticsEvery() > 0
                    ? EpochDiagnosis.measure(net, data.train(), data.test(), trainedBlock()) : null;
            EpochRecord record = new EpochRecord(epoch + 1, steps, totals.examples(), totals.loss(), totals.accuracy(),
                    test.loss(), test.accuracy(), test.examples(), seconds, diagnostics);
            metrics.append(record);
            out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.4f | test loss %.4f acc %.4f (%d examples) | "
                    + "%.1f examples/s, %.0f s%n", record.epoch(), config.epochs(), record.trainLoss(),
                    record.trainAccuracy(), record.testLoss(), record.testAccuracy(), record.testExamples(),
                    record.examplesPerSecond(), record.trainSeconds());
            if (diagnostics != null) {
                out.printf(Locale.ROOT, "epoch %d/%d statistics: test acc with batch statistics (blocks of %d) %.4f; "
                        + "running vs population gap per layer %s (mean) %s (log-variance)%n", record.epoch(),
                        config.epochs(), diagnostics.batch(), diagnostics.testAccuracyBatch(),
                        format(diagnostics.runningGapMean()), format(diagnostics.runningGapLogVar()));
            }
            checkpoint(new Checkpoint(epoch + 1, 0, 0, 0, 0));
        }
    }

    /** Examples normalized together in training: the per-worker batch, or the virtual batch of ghost BN. */
    private int trainedBlock() {
        int v = config.bnVirtualBatch();
        return v > 0 ? Math.min(v, config.perWorkerBatch()) : config.perWorkerBatch();
    }

    private static String format(double[] values) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3g", values[i]));
        }
        return s.append(']').toString();
    }

    /** Creates the directory of a new run, or cuts a resumed run's metrics back to its checkpoint. */
    private void openRun() throws IOException {
        if (metrics != null) {
            return;
        }
        if (!resume) {
            dir.create(config.withOut(dir.path().toString()));
        }
        metrics = MetricsLog.open(dir.file(RunDirectory.METRICS), saved.metricsBytes());
    }

    /** The totals of the steps of {@code epoch} that the metrics already hold (a resumed epoch). */
    private MetricTotals totalsSoFar(int epoch) throws IOException {
        MetricTotals totals = new MetricTotals();
        for (StepRecord s : MetricsLog.read(dir.file(RunDirectory.METRICS)).steps()) {
            if (s.epoch() == epoch + 1) {
                totals.add(s.examples(), s.loss(), s.correct());
            }
        }
        if (totals.steps() != saved.step()) {
            throw new IOException(dir.file(RunDirectory.METRICS) + " holds " + totals.steps() + " steps of epoch "
                    + (epoch + 1) + ", but the checkpoint is at step " + saved.step());
        }
        return totals;
    }

    /** Writes a checkpoint at {@code at}'s epoch and step, with the metrics length and run time filled in. */
    private void checkpoint(Checkpoint at) throws IOException {
        metrics.sync();
        Checkpoint state = new Checkpoint(at.epoch(), at.step(), metrics.size(), at.epochSeconds(), runSeconds());
        Checkpoints.write(dir.file(RunDirectory.CHECKPOINT), net, state);
        saved = state;
    }

    private double runSeconds() {
        return earlierSeconds + (System.nanoTime() - sessionStart) / 1e9;
    }

    private RunSummary finish(DataSource data, JavaSparkContext sc, JavaRDD<MultiDataSet> examples)
            throws IOException {
        openRun();
        metrics.sync();
        MetricsLog.Contents contents = MetricsLog.read(dir.file(RunDirectory.METRICS));
        if (contents.epochs().size() != config.epochs()) {
            throw new IOException(dir.file(RunDirectory.METRICS) + " holds " + contents.epochs().size()
                    + " epoch records, but the run trained " + config.epochs());
        }
        RunSummary.PreciseBn precise = null;
        if (config.preciseBn() > 0) {
            EpochRecord before = contents.epochs().get(contents.epochs().size() - 1);
            PreciseBatchNorm.apply(sc, net, examples, config.globalBatch(), config.preciseBn(), config.workers(),
                    config.seed());
            TestResult after = TestEvaluation.evaluate(net, data.test());
            precise = new RunSummary.PreciseBn(config.preciseBn(), before.testAccuracy(), before.testLoss(),
                    after.accuracy(), after.loss());
            out.printf(Locale.ROOT, "PreciseBN over %d global batches of %d: test accuracy %.4f with the moving "
                    + "averages, %.4f with the recomputed statistics%n", config.preciseBn(), config.globalBatch(),
                    before.testAccuracy(), after.accuracy());
        }
        AtomicFiles.write(dir.file(RunDirectory.MODEL), tmp -> ModelSerializer.writeModel(net, tmp.toFile(), true));
        RunChart.write(contents, dir.file(RunDirectory.CHART));
        RunSummary summary = new RunSummary(config.withOut(dir.path().toString()), sc.master(), data, net.numParams(),
                contents.epochs(), runSeconds(), precise);
        summary.write(dir.file(RunDirectory.SUMMARY));
        Files.deleteIfExists(dir.file(RunDirectory.CHECKPOINT));
        EpochRecord last = summary.last();
        out.printf(Locale.ROOT, "test accuracy %.4f (loss %.4f) on %d held-out examples after %d epoch(s); run "
                + "directory %s%n", summary.testAccuracy(), summary.testLoss(), last.testExamples(), config.epochs(),
                dir);
        return summary;
    }

    private TrainingFailedException failed(Exception e) {
        String where = !Files.exists(dir.file(RunDirectory.CHECKPOINT))
                ? "no checkpoint was written yet, so --resume starts it again from the beginning"
                : saved.step() == 0 ? "its last checkpoint is at the end of epoch " + saved.epoch()
                : "its last checkpoint is at epoch " + (saved.epoch() + 1) + ", step " + saved.step();
        String what = metrics == null ? "before the run directory was written, so --resume is not needed: run the "
                + "same command again" : "the run directory " + dir + " is unfinished; " + where
                + "; continue with: syncbn train --out " + dir + " --resume";
        return new TrainingFailedException("training failed: " + FailureSummary.of(e) + "\n" + what, e);
    }
}
