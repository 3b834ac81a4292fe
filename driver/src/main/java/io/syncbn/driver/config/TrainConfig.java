package io.syncbn.driver.config;

import io.syncbn.api.BnMode;
import io.syncbn.driver.data.DataException;
import io.syncbn.driver.data.DataSpec;
import io.syncbn.driver.models.Models;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The configuration of a training run, validated: every constructor call checks every value, so a
 * configuration built in code, read from a file or assembled from command-line flags obeys the same
 * rules. It round-trips through {@link Properties} with the keys of {@link #KEYS}, which are also the
 * command-line flags ({@code --workers}, {@code --per-worker-batch}, ...).
 *
 * <p>The defaults are the file {@code conf/train.properties}, bundled into the jar at build time
 * ({@link #defaults()}).
 *
 * @param workers N, Spark barrier tasks training replicas in lockstep, at least 1
 * @param perWorkerBatch b, examples per worker per step (global batch N·b), at least 1
 * @param epochs passes over the training set, at least 1
 * @param learningRate Adam step size, finite and greater than 0
 * @param bn synchronized (global-batch), per-worker or per-group batch-normalization statistics; a
 *     group size must divide {@code workers}
 * @param model a registered architecture ({@link Models#names()})
 * @param data a data spec ({@link DataSpec}); it is parsed here, opened when the run starts
 * @param master a Spark master URL, or empty: the master {@code spark-submit} gave, else {@code local[workers]}
 * @param seed seed of the weight initialization and of the per-epoch shuffles
 * @param dtype {@link DataType#FLOAT} or {@link DataType#DOUBLE}, the network's type
 * @param out run directory, or empty: a new directory {@code runs/<date>-<time>}
 * @param checkpointEvery write a checkpoint every this many steps (0: at epoch ends only), at least 0
 * @param diagnosticsEvery measure the batch-normalization statistics every this many steps, and at
 *     epoch ends (0: never), at least 0
 * @param preciseBn after training, recompute the running statistics over this many global batches of
 *     training data (PreciseBN; 0: keep the moving averages), at least 0
 * @param bnVirtualBatch ghost batch normalization: every BN layer normalizes virtual batches of this
 *     many examples of a worker's shard, in every mode (0: none), at least 0
 * @param collectiveTimeout seconds a worker waits in a collective operation for the others before the
 *     stage fails naming the missing ones, at least 1
 * @param maxStageAttempts how many times a barrier stage may run when executors are lost or workers
 *     stall (each attempt starts from the stage's snapshot; 1: no retry), at least 1
 * @param bnRenorm batch renormalization of every BN layer ({@link BnRenorm#NONE}: none); not with
 *     {@code bnVirtualBatch}
 * @param optimization the optimizer and the large-batch knobs (keys {@code optimizer}, {@code
 *     momentum}, {@code weight-decay}, {@code warmup-steps}, {@code lr-scaling}, {@code base-batch})
 */
public record TrainConfig(int workers, int perWorkerBatch, int epochs, double learningRate, BnMode bn, String model,
        String data, String master, long seed, DataType dtype, String out, int checkpointEvery, int diagnosticsEvery,
        int preciseBn, int bnVirtualBatch, int collectiveTimeout, int maxStageAttempts, BnRenorm bnRenorm,
        Optimization optimization) {

    /** Key of {@link #workers}. */
    public static final String WORKERS = "workers";
    /** Key of {@link #perWorkerBatch}. */
    public static final String PER_WORKER_BATCH = "per-worker-batch";
    /** Key of {@link #epochs}. */
    public static final String EPOCHS = "epochs";
    /** Key of {@link #learningRate}. */
    public static final String LR = "lr";
    /** Key of {@link #bn}. */
    public static final String BN = "bn";
    /** Key of {@link #model}. */
    public static final String MODEL = "model";
    /** Key of {@link #data}. */
    public static final String DATA = "data";
    /** Key of {@link #master}. */
    public static final String MASTER = "master";
    /** Key of {@link #seed}. */
    public static final String SEED = "seed";
    /** Key of {@link #dtype}. */
    public static final String DTYPE = "dtype";
    /** Key of {@link #out}. */
    public static final String OUT = "out";
    /** Key of {@link #checkpointEvery}. */
    public static final String CHECKPOINT_EVERY = "checkpoint-every";
    /** Key of {@link #diagnosticsEvery}. */
    public static final String DIAGNOSTICS_EVERY = "diagnostics-every";
    /** Key of {@link #preciseBn}. */
    public static final String PRECISE_BN = "precise-bn";
    /** Key of {@link #bnVirtualBatch}. */
    public static final String BN_VIRTUAL_BATCH = "bn-virtual-batch";
    /** Key of {@link #collectiveTimeout}. */
    public static final String COLLECTIVE_TIMEOUT = "collective-timeout";
    /** Key of {@link #maxStageAttempts}. */
    public static final String MAX_STAGE_ATTEMPTS = "max-stage-attempts";
    /** Key of {@link #bnRenorm}. */
    public static final String BN_RENORM = "bn-renorm";
    /** Key of {@link Optimization#optimizer}. */
    public static final String OPTIMIZER = "optimizer";
    /** Key of {@link Optimization#momentum}. */
    public static final String MOMENTUM = "momentum";
    /** Key of {@link Optimization#weightDecay}. */
    public static final String WEIGHT_DECAY = "weight-decay";
    /** Key of {@link Optimization#warmupSteps}. */
    public static final String WARMUP_STEPS = "warmup-steps";
    /** Key of {@link Optimization#linearScaling}: {@code none} or {@code linear}. */
    public static final String LR_SCALING = "lr-scaling";
    /** Key of {@link Optimization#baseBatch}. */
    public static final String BASE_BATCH = "base-batch";
    /** Key of {@link Optimization#schedule}. */
    public static final String LR_SCHEDULE = "lr-schedule";

    /** Every key, in the order of the components and of written files. */
    public static final List<String> KEYS = List.of(WORKERS, PER_WORKER_BATCH, EPOCHS, LR, BN, MODEL, DATA, MASTER,
            SEED, DTYPE, OUT, CHECKPOINT_EVERY, DIAGNOSTICS_EVERY, PRECISE_BN, BN_VIRTUAL_BATCH, COLLECTIVE_TIMEOUT,
            MAX_STAGE_ATTEMPTS, BN_RENORM, OPTIMIZER, MOMENTUM, WEIGHT_DECAY, WARMUP_STEPS, LR_SCALING, BASE_BATCH,
            LR_SCHEDULE);

    /**
     * Keys added after run directories were first written, with the value that reproduces what those
     * runs did; a stored configuration without them is read with these values.
     */
    private static final Map<String, String> LATER_KEYS = Map.ofEntries(Map.entry(DIAGNOSTICS_EVERY, "0"),
            Map.entry(PRECISE_BN, "0"), Map.entry(BN_VIRTUAL_BATCH, "0"), Map.entry(COLLECTIVE_TIMEOUT, "120"),
            Map.entry(MAX_STAGE_ATTEMPTS, "3"), Map.entry(BN_RENORM, "0"), Map.entry(OPTIMIZER, "adam"),
            Map.entry(MOMENTUM, "0.9"), Map.entry(WEIGHT_DECAY, "0"), Map.entry(WARMUP_STEPS, "0"),
            Map.entry(LR_SCALING, "none"), Map.entry(BASE_BATCH, "256"), Map.entry(LR_SCHEDULE, "constant"));

    /** Where the build puts the copy of {@code conf/train.properties}. */
    static final String DEFAULTS_RESOURCE = "/io/syncbn/driver/config/train.properties";

    private static final List<String> DTYPE_VALUES = List.of("float", "double");
    private static final Pattern LOCAL_MASTER = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\s*\\d+)?\\])?");
    private static final Pattern CLUSTER_MASTER = Pattern.compile("(?:spark|k8s|mesos)://\\S+|yarn|local-cluster\\[.+\\]");
    private static final String MASTER_RULE = "empty (spark-submit's master, else local[workers]) or a Spark master "
            + "URL (local[N], local[*], spark://HOST:PORT, yarn, k8s://https://HOST:PORT)";

    /** Validates every component; see the component descriptions for the rules. */
    public TrainConfig {
        atLeast(WORKERS, workers, 1);
        atLeast(PER_WORKER_BATCH, perWorkerBatch, 1);
        atLeast(EPOCHS, epochs, 1);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new ConfigException(LR, "lr must be a finite number > 0, but got " + learningRate);
        }
        required(BN, bn);
        try {
            bn.requireCompatible(workers);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(BN, e.getMessage());
        }
        required(MODEL, model);
        if (!Models.names().contains(model)) {
            throw new ConfigException(MODEL, "model must be one of " + String.join(", ", Models.names())
                    + ", but got \"" + model + "\"");
        }
        required(DATA, data);
        try {
            DataSpec.parse(data);
        } catch (DataException e) {
            throw new ConfigException(DATA, "data must be a data spec KIND[:LOCATION][?KEY=VALUE&...], but " + e.getMessage());
        }
        master = required(MASTER, master).strip();
        checkMaster(master, workers);
        required(DTYPE, dtype);
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new ConfigException(DTYPE, "dtype must be one of " + String.join(", ", DTYPE_VALUES) + ", but got "
                    + dtype);
        }
        out = required(OUT, out).strip();
        atLeast(CHECKPOINT_EVERY, checkpointEvery, 0);
        atLeast(DIAGNOSTICS_EVERY, diagnosticsEvery, 0);
        atLeast(PRECISE_BN, preciseBn, 0);
        atLeast(BN_VIRTUAL_BATCH, bnVirtualBatch, 0);
        atLeast(COLLECTIVE_TIMEOUT, collectiveTimeout, 1);
        atLeast(MAX_STAGE_ATTEMPTS, maxStageAttempts, 1);
        required(BN_RENORM, bnRenorm);
        required(OPTIMIZER, optimization);
        if (bnRenorm.enabled() && bnVirtualBatch > 0) {
            throw new ConfigException(BN_RENORM, "bn-renorm " + bnRenorm + " and bn-virtual-batch " + bnVirtualBatch
                    + " cannot be combined (batch renormalization corrects the statistics of whole shards, ghost BN "
                    + "splits them); set one of them to 0");
        }
    }

    /**
     * The defaults: {@code conf/train.properties} as bundled into the jar.
     *
     * @throws IllegalStateException if the jar was built without it
     */
    public static TrainConfig defaults() {
        try (InputStream in = TrainConfig.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the defaults " + DEFAULTS_RESOURCE + " (a copy of conf/train.properties) "
                        + "are not on the classpath; rebuild the driver module");
            }
            Properties p = new Properties();
            p.load(in);
            return fromProperties(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the defaults " + DEFAULTS_RESOURCE, e);
        }
    }

    /**
     * Reads a complete configuration: every key of {@link #KEYS}, no other.
     *
     * @throws ConfigException naming the missing or unknown key, or the key whose value breaks its rule
     */
    public static TrainConfig fromProperties(Properties p) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            values.put(name, p.getProperty(name));
        }
        return fromMap(values);
    }

    /**
     * Reads a complete configuration from key-value text.
     *
     * @throws ConfigException naming the missing or unknown key, or the key whose value breaks its rule
     */
    public static TrainConfig fromMap(Map<String, String> values) {
        for (String key : values.keySet()) {
            requireKnown(key);
        }
        for (String key : KEYS) {
            if (!values.containsKey(key) && LATER_KEYS.containsKey(key)) {
                values = new LinkedHashMap<>(values);
                values.put(key, LATER_KEYS.get(key));
            }
            if (!values.containsKey(key)) {
                throw new ConfigException(key, "missing key \"" + key + "\"; a complete configuration has every key: "
                        + String.join(", ", KEYS));
            }
        }
        return new TrainConfig(
                parseInt(WORKERS, values.get(WORKERS), 1),
                parseInt(PER_WORKER_BATCH, values.get(PER_WORKER_BATCH), 1),
                parseInt(EPOCHS, values.get(EPOCHS), 1),
                parseDouble(LR, values.get(LR)),
                parseBn(values.get(BN)),
                values.get(MODEL).strip(),
                values.get(DATA).strip(),
                values.get(MASTER),
                parseLong(SEED, values.get(SEED)),
                "double".equals(choice(DTYPE, values.get(DTYPE), DTYPE_VALUES)) ? DataType.DOUBLE : DataType.FLOAT,
                values.get(OUT),
                parseInt(CHECKPOINT_EVERY, values.get(CHECKPOINT_EVERY), 0),
                parseInt(DIAGNOSTICS_EVERY, values.get(DIAGNOSTICS_EVERY), 0),
                parseInt(PRECISE_BN, values.get(PRECISE_BN), 0),
                parseInt(BN_VIRTUAL_BATCH, values.get(BN_VIRTUAL_BATCH), 0),
                parseInt(COLLECTIVE_TIMEOUT, values.get(COLLECTIVE_TIMEOUT), 1),
                parseInt(MAX_STAGE_ATTEMPTS, values.get(MAX_STAGE_ATTEMPTS), 1),
                parseRenorm(values.get(BN_RENORM)),
                new Optimization(choice(OPTIMIZER, values.get(OPTIMIZER), Optimization.OPTIMIZERS),
                        parseDouble(MOMENTUM, values.get(MOMENTUM)), parseDouble(WEIGHT_DECAY, values.get(WEIGHT_DECAY)),
                        parseInt(WARMUP_STEPS, values.get(WARMUP_STEPS), 0),
                        "linear".equals(choice(LR_SCALING, values.get(LR_SCALING), List.of("none", "linear"))),
                        parseInt(BASE_BATCH, values.get(BASE_BATCH), 1), LrSchedule.parse(values.get(LR_SCHEDULE))));
    }

    /**
     * Refuses a key that is not a configuration key.
     *
     * @throws ConfigException naming the key and the allowed ones
     */
    public static void requireKnown(String key) {
        if (!KEYS.contains(key)) {
            throw new ConfigException(key, "unknown key \"" + key + "\"; allowed keys: " + String.join(", ", KEYS));
        }
    }

    /** This configuration as text values, one per key, in {@link #KEYS} order. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(WORKERS, Integer.toString(workers));
        m.put(PER_WORKER_BATCH, Integer.toString(perWorkerBatch));
        m.put(EPOCHS, Integer.toString(epochs));
        m.put(LR, Double.toString(learningRate));
        m.put(BN, bn.toString());
        m.put(MODEL, model);
        m.put(DATA, data);
        m.put(MASTER, master);
        m.put(SEED, Long.toString(seed));
        m.put(DTYPE, dtype == DataType.DOUBLE ? "double" : "float");
        m.put(OUT, out);
        m.put(CHECKPOINT_EVERY, Integer.toString(checkpointEvery));
        m.put(DIAGNOSTICS_EVERY, Integer.toString(diagnosticsEvery));
        m.put(PRECISE_BN, Integer.toString(preciseBn));
        m.put(BN_VIRTUAL_BATCH, Integer.toString(bnVirtualBatch));
        m.put(COLLECTIVE_TIMEOUT, Integer.toString(collectiveTimeout));
        m.put(MAX_STAGE_ATTEMPTS, Integer.toString(maxStageAttempts));
        m.put(BN_RENORM, bnRenorm.toString());
        m.put(OPTIMIZER, optimization.optimizer());
        m.put(MOMENTUM, Double.toString(optimization.momentum()));
        m.put(WEIGHT_DECAY, Double.toString(optimization.weightDecay()));
        m.put(WARMUP_STEPS, Integer.toString(optimization.warmupSteps()));
        m.put(LR_SCALING, optimization.linearScaling() ? "linear" : "none");
        m.put(BASE_BATCH, Integer.toString(optimization.baseBatch()));
        m.put(LR_SCHEDULE, optimization.schedule().toString());
        return m;
    }

    /** This configuration as {@link Properties}; {@link #fromProperties} reads it back to an equal record. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.putAll(toMap());
        return p;
    }

    /** Examples per step over all workers, N·b. */
    public int globalBatch() {
        return workers * perWorkerBatch;
    }

    /** This configuration with another run directory. */
    public TrainConfig withOut(String newOut) {
        return new TrainConfig(workers, perWorkerBatch, epochs, learningRate, bn, model, data, master, seed, dtype,
                newOut, checkpointEvery, diagnosticsEvery, preciseBn, bnVirtualBatch, collectiveTimeout,
                maxStageAttempts, bnRenorm, optimization);
    }

    /** This configuration with another job: workers, per-worker batch, BN mode, seed and diagnostics interval. */
    public TrainConfig withJob(int newWorkers, int newPerWorkerBatch, BnMode newBn, long newSeed,
            int newDiagnosticsEvery) {
        return new TrainConfig(newWorkers, newPerWorkerBatch, epochs, learningRate, newBn, model, data, master,
                newSeed, dtype, out, checkpointEvery, newDiagnosticsEvery, preciseBn, bnVirtualBatch, collectiveTimeout,
                maxStageAttempts, bnRenorm, optimization);
    }

    private static BnRenorm parseRenorm(String text) {
        try {
            return BnRenorm.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(BN_RENORM, e.getMessage());
        }
    }

    /** This configuration with other BN options: ghost batches and batch renormalization. */
    public TrainConfig withBnOptions(int newBnVirtualBatch, BnRenorm newBnRenorm) {
        return new TrainConfig(workers, perWorkerBatch, epochs, learningRate, bn, model, data, master, seed, dtype,
                out, checkpointEvery, diagnosticsEvery, preciseBn, newBnVirtualBatch, collectiveTimeout,
                maxStageAttempts, newBnRenorm, optimization);
    }

    private static BnMode parseBn(String text) {
        try {
            return BnMode.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(BN, e.getMessage());
        }
    }

    private static void checkMaster(String master, int workers) {
        if (master.isEmpty()) {
            return;
        }
        Matcher local = LOCAL_MASTER.matcher(master);
        if (local.matches()) {
            String threads = local.group(1);
            int slots = threads == null ? 1 : "*".equals(threads) ? Integer.MAX_VALUE : parseInt(MASTER, threads, 1);
            if (slots < workers) {
                throw new ConfigException(MASTER, "master " + master + " runs at most " + slots + " tasks at once, but "
                        + "training needs all " + workers + " workers at once; use local[" + workers + "] or at most "
                        + slots + " workers");
            }
            return;
        }
        if (!CLUSTER_MASTER.matcher(master).matches()) {
            throw new ConfigException(MASTER, "master must be " + MASTER_RULE + ", but got \"" + master + "\"");
        }
    }

    private static void atLeast(String key, int value, int min) {
        if (value < min) {
            throw new ConfigException(key, key + " must be an integer >= " + min + ", but got " + value);
        }
    }

    private static <T> T required(String key, T value) {
        if (value == null) {
            throw new ConfigException(key, key + " must be given, but is missing");
        }
        return value;
    }

    private static int parseInt(String key, String text, int min) {
        try {
            return Integer.parseInt(Objects.requireNonNull(text).strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, key + " must be an integer >= " + min + ", but got \"" + text + "\"");
        }
    }

    private static long parseLong(String key, String text) {
        try {
            return Long.parseLong(Objects.requireNonNull(text).strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, key + " must be an integer, but got \"" + text + "\"");
        }
    }

    private static double parseDouble(String key, String text) {
        try {
            return Double.parseDouble(Objects.requireNonNull(text).strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, key + " must be a finite number > 0, but got \"" + text + "\"");
        }
    }

    private static String choice(String key, String text, List<String> allowed) {
        String value = Objects.requireNonNull(text).strip();
        if (!allowed.contains(value)) {
            throw new ConfigException(key, key + " must be one of " + String.join(", ", allowed) + ", but got \""
                    + text + "\"");
        }
        return value;
    }
}
