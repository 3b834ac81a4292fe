package io.syncbn.driver.cli;

import io.syncbn.driver.config.ConfigException;
import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.data.DataSpec;
import io.syncbn.driver.progress.TrainingProgress;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.study.StudyConfig;
import io.syncbn.driver.study.StudyRunner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code syncbn study}: a sweep over per-worker batch × batch-normalization mode × seed at a fixed
 * global batch, on Spark, with statistics diagnostics, {@code study.csv}, charts and a report
 * ({@link StudyRunner}). Every value is checked before anything trains.
 */
@Command(name = "study", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {"Sweeps per-worker batch x BN mode x seed at a fixed global batch and reports what small "
            + "per-worker batches do to batch normalization.", "",
            "Writes a study directory: study.properties, cells/<cell>/ (one training run each), study.csv, "
                + "charts (PNG), report.md and report.html. Running it again with the same --out resumes it.", ""})
final class StudyCommand implements Callable<Integer> {

    @Option(names = "--global-batch", paramLabel = "G", defaultValue = "32",
            description = "Examples per global step in every cell.")
    private int globalBatch;

    @Option(names = "--per-worker-batch", paramLabel = "B,...", defaultValue = "1,2,4,8,32",
            description = "Per-worker batches; each divides G and gives G/B workers (B = G is the one-worker "
                    + "reference).")
    private String perWorkerBatches;

    @Option(names = "--bn", paramLabel = "MODE,...", defaultValue = "local,sync,group:4",
            description = "BN modes: sync, local, group:K, ghost:V (ghost BN, virtual batches of V), renorm (local "
                    + "statistics with batch renormalization, r <= 3, |d| <= 5 ramped over 300 steps).")
    private String modes;

    @Option(names = "--seeds", paramLabel = "S,...", defaultValue = "1,2,3",
            description = "Seeds of the initial weights and the data order.")
    private String seeds;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "2", description = "Epochs per cell.")
    private String epochs;

    @Option(names = "--data", paramLabel = "SPEC", defaultValue = "fashion-mnist", description = "Data spec.")
    private String data;

    @Option(names = "--train-subset", paramLabel = "M", defaultValue = "12800",
            description = "Train on the first M training examples; 0: all.")
    private int trainSubset;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "fmnist-cnn", description = "Architecture.")
    private String model;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.001", description = "Adam learning rate.")
    private String lr;

    @Option(names = "--dtype", paramLabel = "float|double", defaultValue = "float", description = "Network type.")
    private String dtype;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "",
            description = "Spark master; empty: local[N] in this process for each cell's N workers.")
    private String master;

    @Option(names = "--diagnostics-every", paramLabel = "STEPS", defaultValue = "10",
            description = "Measure the batch statistics every STEPS steps (and at epoch ends); 0: never.")
    private String diagnosticsEvery;

    @Option(names = "--out", paramLabel = "DIR", description = "Study directory (default studies/<date>-<time>); "
            + "an existing study there is resumed.")
    private Path out;

    private final PrintStream stdout;
    private final Function<PrintStream, TrainingProgress> progress;
    private final PrintStream stderr;

    StudyCommand(PrintStream stdout, PrintStream stderr, Function<PrintStream, TrainingProgress> progress) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.progress = progress;
    }

    @Override
    public Integer call() throws IOException {
        StudyConfig config = config();
        Path dir = out != null ? out : RunDirectory.timestamped(Path.of("studies"), LocalDateTime.now()).path();
        stdout.println("study in " + dir + ": " + config.cells().size() + " cells, global batch "
                + config.globalBatch() + ", up to " + config.maxWorkers() + " workers at once");
        new StudyRunner(config, dir, commandLine(), stdout, () -> progress.apply(stderr)).run();
        return 0;
    }

    /** The validated study the flags describe. */
    StudyConfig config() {
        Map<String, String> base = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        base.put(TrainConfig.EPOCHS, epochs);
        base.put(TrainConfig.DATA, dataSpec());
        base.put(TrainConfig.MODEL, model);
        base.put(TrainConfig.LR, lr);
        base.put(TrainConfig.DTYPE, dtype);
        base.put(TrainConfig.MASTER, master.strip());
        base.put(TrainConfig.DIAGNOSTICS_EVERY, diagnosticsEvery);
        base.put(TrainConfig.WORKERS, "1");
        base.put(TrainConfig.PER_WORKER_BATCH, "1");
        base.put(TrainConfig.BN, "sync");
        base.put(TrainConfig.OUT, "");
        TrainConfig shared = TrainConfig.fromMap(base);
        return new StudyConfig(globalBatch, list("per-worker-batch", perWorkerBatches, StudyCommand::positive),
                list("bn", modes, StudyConfig::mode), list("seeds", seeds, Long::parseLong), shared);
    }

    /** The data spec with the training subset as its {@code train-subset} option. */
    private String dataSpec() {
        if (trainSubset < 0) {
            throw new ConfigException("train-subset", "train-subset must be an integer >= 0 (0: all), but got "
                    + trainSubset);
        }
        DataSpec spec = DataSpec.parse(data);
        if (trainSubset == 0) {
            return spec.toString();
        }
        if (spec.options().containsKey(DataSpec.TRAIN_SUBSET)) {
            throw new ConfigException("train-subset", "the data spec \"" + data + "\" already sets train-subset; "
                    + "give it in one place only (--train-subset " + trainSubset + " or the spec's option)");
        }
        Map<String, String> options = new LinkedHashMap<>(spec.options());
        options.put(DataSpec.TRAIN_SUBSET, Integer.toString(trainSubset));
        return new DataSpec(spec.kind(), spec.location(), options).toString();
    }

    private static int positive(String text) {
        int v = Integer.parseInt(text);
        if (v < 1) {
            throw new NumberFormatException("below 1");
        }
        return v;
    }

    private static <T> List<T> list(String key, String text, Function<String, T> parse) {
        List<T> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            try {
                out.add(parse.apply(part.strip()));
            } catch (IllegalArgumentException e) {
                String why = e instanceof NumberFormatException ? "" : ": " + e.getMessage();
                throw new ConfigException(key, key + " must be a comma-separated list of "
                        + ("bn".equals(key) ? "sync, local, group:K, ghost:V or renorm" : "per-worker-batch".equals(key)
                                ? "integers >= 1" : "integers") + ", but got \"" + text + "\" (\"" + part.strip()
                        + "\" is not one" + why + ")");
            }
        }
        return out;
    }

    private String commandLine() {
        return "syncbn study --global-batch " + globalBatch + " --per-worker-batch " + perWorkerBatches + " --bn "
                + modes + " --seeds " + seeds + " --epochs " + epochs + " --data " + data + " --train-subset "
                + trainSubset + " --model " + model + (master.isBlank() ? "" : " --master " + master)
                + " --diagnostics-every " + diagnosticsEvery;
    }
}
