package io.syncbn.driver.cli;

import io.syncbn.driver.config.ConfigException;
import io.syncbn.driver.config.ConfigLayers;
import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.progress.TrainingProgress;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.run.RunRefusedException;
import io.syncbn.driver.run.TrainingRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code syncbn train}: one flag per configuration key ({@link TrainConfig#KEYS}), layered over
 * {@code --conf FILE} and the defaults ({@code conf/train.properties}); then a {@link TrainingRun}.
 * With {@code --resume} the run's stored configuration is the base, and a flag that would change it
 * (other than {@code --master}) is refused.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        defaultValueProvider = TrainCommand.Defaults.class,
        description = {"Trains a network on Spark with synchronized batch normalization.", "",
            "Writes a run directory: config.properties, metrics.jsonl, checkpoint.zip (while unfinished), "
                + "model.zip, chart.png and, last, summary.json. Flags override --conf FILE, which overrides "
                + "the defaults (conf/train.properties).", ""})
final class TrainCommand implements Callable<Integer> {

    /** Seconds between progress lines when the output is not a terminal. */
    static final Duration LINE_INTERVAL = Duration.ofSeconds(10);

    /** Keys a resumed run may change: where it runs, and how its directory is named. */
    private static final List<String> CHANGEABLE_ON_RESUME = List.of(TrainConfig.MASTER, TrainConfig.OUT);

    @Spec
    private CommandSpec spec;

    // One option per configuration key. Their values are read through the parse result (flags()), so
    // that only the flags actually given override the file and the defaults.

    @Option(names = "--workers", paramLabel = "N", description = "Spark barrier tasks, one replica each; the "
            + "cluster must run N tasks at once.")
    private String workers;

    @Option(names = "--per-worker-batch", paramLabel = "B", description = "Examples per worker per step (global "
            + "batch N x B).")
    private String perWorkerBatch;

    @Option(names = "--epochs", paramLabel = "E", description = "Passes over the training set.")
    private String epochs;

    @Option(names = "--lr", paramLabel = "RATE", description = "Adam learning rate.")
    private String lr;

    @Option(names = "--bn", paramLabel = "sync|local|group:K", description = "Batch-norm statistics of the global "
            + "batch (sync), of each worker's shard (local, the baseline) or of each group of K consecutive workers.")
    private String bn;

    @Option(names = "--model", paramLabel = "NAME", description = "Architecture: fmnist-cnn, mlp or cnn3d.")
    private String model;

    @Option(names = "--data", paramLabel = "SPEC", description = "fashion-mnist[:DIR], idx:DIR, csv:FILE, synthetic "
            + "or synthetic3d, with ?KEY=VALUE&... options.")
    private String data;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master; empty: spark-submit's, else "
            + "local[N] in this process.")
    private String master;

    @Option(names = "--seed", paramLabel = "SEED", description = "Seed of the initialization and the shuffles.")
    private String seed;

    @Option(names = "--dtype", paramLabel = "float|double", description = "Floating-point type of the network.")
    private String dtype;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory; empty: runs/<date>-<time>.")
    private String out;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Checkpoint every STEPS steps and at "
            + "each epoch end; 0: at epoch ends only.")
    private String checkpointEvery;

    @Option(names = "--diagnostics-every", paramLabel = "STEPS", description = "Measure the batch-norm statistics "
            + "every STEPS steps and at each epoch end (written to metrics.jsonl); 0: never.")
    private String diagnosticsEvery;

    @Option(names = "--precise-bn", paramLabel = "M", description = "After training, recompute the BN running "
            + "statistics over M global batches of training data (PreciseBN); 0: keep the moving averages.")
    private String preciseBn;

    @Option(names = "--bn-virtual-batch", paramLabel = "V", description = "Ghost BN: normalize virtual batches "
            + "of V examples of each worker's shard, each with its own statistics; 0: none.")
    private String bnVirtualBatch;

    @Option(names = "--bn-renorm", paramLabel = "RMAX,DMAX[,RAMP]", description = "Batch renormalization (Ioffe "
            + "2017) in every BN layer: r clipped to [1/RMAX, RMAX], d to [-DMAX, DMAX], both ramped up from plain BN "
            + "over RAMP steps; 0: none.")
    private String bnRenorm;

    @Option(names = "--optimizer", paramLabel = "sgd|nesterov|adam|adamw", description = "The optimizer; adamw is "
            + "Adam with decoupled weight decay.")
    private String optimizer;

    @Option(names = "--momentum", paramLabel = "M", description = "Momentum of the nesterov optimizer.")
    private String momentum;

    @Option(names = "--weight-decay", paramLabel = "W", description = "Decoupled weight decay of convolution and dense "
            + "weights (never of BN gamma/beta or biases); sgd, nesterov and adamw.")
    private String weightDecay;

    @Option(names = "--warmup-steps", paramLabel = "STEPS", description = "The learning rate grows linearly from 0 "
            + "over STEPS steps; 0: none.")
    private String warmupSteps;

    @Option(names = "--lr-scaling", paramLabel = "none|linear", description = "linear: the learning rate is "
            + "multiplied by global batch / --base-batch (Goyal et al. 2017).")
    private String lrScaling;

    @Option(names = "--base-batch", paramLabel = "B", description = "The global batch the learning rate is meant "
            + "for, with --lr-scaling linear.")
    private String baseBatch;

    @Option(names = "--lr-schedule", paramLabel = "SCHEDULE", description = "Decay after the warmup: constant, "
            + "step:EVERY:FACTOR, cosine or poly:POWER (cosine and poly reach 0 at the last step).")
    private String lrSchedule;

    @Option(names = "--collective-timeout", paramLabel = "SECONDS", description = "How long a worker waits for the "
            + "others in a collective operation before the stage fails naming the missing ones.")
    private String collectiveTimeout;

    @Option(names = "--max-stage-attempts", paramLabel = "N", description = "How many times the steps between two "
            + "checkpoints may run when an executor is lost or a worker stalls (each attempt starts from the same "
            + "snapshot); 1: no retry.")
    private String maxStageAttempts;

    @Option(names = "--resume", description = "Continue the unfinished run in --out DIR from its last checkpoint.",
            showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
    private boolean resume;

    @Option(names = "--conf", paramLabel = "FILE", description = "Properties file with any of the keys above "
            + "(workers=8, per-worker-batch=4, ...).", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
    private Path conf;

    private final PrintStream stdout;
    private final PrintStream stderr;

    TrainCommand(PrintStream stdout, PrintStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    @Override
    public Integer call() throws IOException {
        RunDirectory dir;
        TrainConfig config;
        if (resume) {
            if (!given(TrainConfig.OUT)) {
                throw new ConfigException(TrainConfig.OUT, "--resume needs --out DIR, the directory of the run to "
                        + "continue");
            }
            dir = new RunDirectory(Path.of(out.strip()));
            dir.requireResumable();
            config = resumed(dir);
        } else {
            ConfigLayers layers = new ConfigLayers(TrainConfig.defaults(), "the defaults in conf/train.properties");
            if (conf != null) {
                layers.file(conf);
            }
            config = layers.flags(flags()).resolve();
            dir = config.out().isEmpty() ? RunDirectory.timestamped(Path.of("runs"), LocalDateTime.now())
                    : new RunDirectory(Path.of(config.out()));
        }
        try (TrainingProgress progress = TrainingProgress.forConsole(stderr, LINE_INTERVAL)) {
            new TrainingRun(config, dir, resume, stdout, progress).run();
        }
        return 0;
    }

    /** The stored configuration of the run in {@code dir}, with a new master if one is given. */
    private TrainConfig resumed(RunDirectory dir) {
        TrainConfig stored = dir.storedConfig();
        ConfigLayers layers = new ConfigLayers(stored, dir.file(RunDirectory.CONFIG).toString());
        if (conf != null) {
            layers.file(conf);
        }
        TrainConfig asked = layers.flags(flags()).resolve();
        Map<String, String> before = stored.toMap();
        Map<String, String> after = asked.toMap();
        for (String key : TrainConfig.KEYS) {
            if (!CHANGEABLE_ON_RESUME.contains(key) && !before.get(key).equals(after.get(key))) {
                throw new RunRefusedException("--resume continues the run in " + dir + " with its stored configuration ("
                        + RunDirectory.CONFIG + "), where " + key + " is \"" + before.get(key) + "\"; "
                        + layers.originOf(key) + " asks for \"" + after.get(key) + "\". Leave it out to continue the "
                        + "run, or start a new run with another --out");
            }
        }
        Map<String, String> merged = new LinkedHashMap<>(before);
        merged.put(TrainConfig.MASTER, after.get(TrainConfig.MASTER));
        return TrainConfig.fromMap(merged);
    }

    /** The configuration keys given as flags on this command line, with their values as typed. */
    private Map<String, String> flags() {
        Map<String, String> given = new LinkedHashMap<>();
        for (String key : TrainConfig.KEYS) {
            if (given(key)) {
                given.put(key, spec.findOption("--" + key).getValue());
            }
        }
        return given;
    }

    private boolean given(String key) {
        ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption("--" + key);
    }

    /** Shows the defaults file's values in {@code --help}; values are only used when a flag was given. */
    static final class Defaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            if (arg instanceof OptionSpec option && option.longestName().startsWith("--")) {
                String key = option.longestName().substring(2);
                if (TrainConfig.KEYS.contains(key)) {
                    String value = TrainConfig.defaults().toMap().get(key);
                    return value.isEmpty() ? null : value;
                }
            }
            return null;
        }
    }
}
