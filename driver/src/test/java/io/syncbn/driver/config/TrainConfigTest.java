package io.syncbn.driver.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.syncbn.api.BnMode;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The training configuration: the bundled defaults are exactly {@code conf/train.properties}; a
 * configuration round-trips through properties; every rule refuses its bad values with a message
 * naming the key, the rule and the value, whether the value comes from text or from code.
 */
class TrainConfigTest {

    /** The checkout's defaults file, relative to the driver module (Surefire's working directory). */
    private static final Path DEFAULTS_FILE = Path.of("..", "conf", "train.properties");

    @Test
    void bundledDefaultsAreTheConfFile() throws IOException {
        Properties file = new Properties();
        try (Reader in = Files.newBufferedReader(DEFAULTS_FILE, StandardCharsets.UTF_8)) {
            file.load(in);
        }
        TrainConfig defaults = TrainConfig.defaults();
        assertAll(
                () -> assertEquals(TrainConfig.fromProperties(file), defaults, "bundled copy equals " + DEFAULTS_FILE),
                () -> assertEquals(8, defaults.workers(), "workers"),
                () -> assertEquals(4, defaults.perWorkerBatch(), "per-worker-batch"),
                () -> assertEquals(BnMode.SYNC, defaults.bn(), "bn"),
                () -> assertEquals("fmnist-cnn", defaults.model(), "model"),
                () -> assertEquals("", defaults.master(), "master: empty means local[workers]"),
                () -> assertEquals(DataType.FLOAT, defaults.dtype(), "dtype"));
    }

    @Test
    void roundTripsThroughProperties() {
        TrainConfig config = new TrainConfig(3, 5, 2, 2.5e-4, BnMode.LOCAL, "mlp", "csv:/data/x y.csv?label=first",
                "spark://host:7077", -7, DataType.DOUBLE, "runs/a b", 0, 7, 3, 0, 30, 5, new BnRenorm(3, 5, 400), new Optimization("nesterov", 0.8, 1e-4, 50, true, 64));
        assertAll(
                () -> assertEquals(config, TrainConfig.fromProperties(config.toProperties()), "properties"),
                () -> assertEquals(config, TrainConfig.fromMap(config.toMap()), "map"),
                () -> assertEquals(TrainConfig.defaults(),
                        TrainConfig.fromProperties(TrainConfig.defaults().toProperties()), "defaults"),
                () -> assertEquals(15, config.globalBatch(), "global batch 3 x 5"));
    }

    /** Each case: key, bad value as text, the whole message expected. */
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("workers", "0", "workers must be an integer >= 1, but got 0"),
                Arguments.of("workers", "four", "workers must be an integer >= 1, but got \"four\""),
                Arguments.of("per-worker-batch", "-2", "per-worker-batch must be an integer >= 1, but got -2"),
                Arguments.of("epochs", "0", "epochs must be an integer >= 1, but got 0"),
                Arguments.of("lr", "0", "lr must be a finite number > 0, but got 0.0"),
                Arguments.of("lr", "Infinity", "lr must be a finite number > 0, but got Infinity"),
                Arguments.of("lr", "fast", "lr must be a finite number > 0, but got \"fast\""),
                Arguments.of("bn", "global", "bn must be sync, local or group:K with an integer K >= 1, but got "
                        + "\"global\""),
                Arguments.of("bn", "group:0", "bn must be sync, local or group:K with an integer K >= 1, but got "
                        + "\"group:0\""),
                Arguments.of("bn", "group:3", "bn group:3 needs a number of workers that is a multiple of 3 (groups "
                        + "of 3 consecutive workers), but there are 8 workers; use a multiple of 3 workers or another "
                        + "group size"),
                Arguments.of("model", "resnet50", "model must be one of fmnist-cnn, mlp, cnn3d, but got \"resnet50\""),
                Arguments.of("data", "mnist", "data must be a data spec KIND[:LOCATION][?KEY=VALUE&...], but data spec "
                        + "\"mnist\": unknown kind \"mnist\": must be one of fashion-mnist, idx, csv, synthetic, "
                        + "synthetic3d"),
                Arguments.of("master", "local[2]", "master local[2] runs at most 2 tasks at once, but training needs "
                        + "all 8 workers at once; use local[8] or at most 2 workers"),
                Arguments.of("master", "cluster", "master must be empty (spark-submit's master, else local[workers]) "
                        + "or a Spark master URL (local[N], local[*], spark://HOST:PORT, yarn, k8s://https://HOST:PORT),"
                        + " but got \"cluster\""),
                Arguments.of("seed", "1.5", "seed must be an integer, but got \"1.5\""),
                Arguments.of("dtype", "half", "dtype must be one of float, double, but got \"half\""),
                Arguments.of("checkpoint-every", "-1", "checkpoint-every must be an integer >= 0, but got -1"),
                Arguments.of("diagnostics-every", "-5", "diagnostics-every must be an integer >= 0, but got -5"),
                Arguments.of("precise-bn", "-1", "precise-bn must be an integer >= 0, but got -1"),
                Arguments.of("bn-virtual-batch", "-3", "bn-virtual-batch must be an integer >= 0, but got -3"),
                Arguments.of("collective-timeout", "0", "collective-timeout must be an integer >= 1, but got 0"),
                Arguments.of("max-stage-attempts", "0", "max-stage-attempts must be an integer >= 1, but got 0"),
                Arguments.of("bn-renorm", "0.5,1", "bn-renorm must be 0 (none) or RMAX,DMAX[,RAMP] with RMAX >= 1, "
                        + "DMAX >= 0 and an integer RAMP >= 0 (e.g. 3,5,400), but got 0.5,1,0"),
                Arguments.of("bn-renorm", "3", "bn-renorm must be 0 (none) or RMAX,DMAX[,RAMP] with RMAX >= 1, "
                        + "DMAX >= 0 and an integer RAMP >= 0 (e.g. 3,5,400), but got \"3\""),
                Arguments.of("optimizer", "rmsprop", "optimizer must be one of sgd, nesterov, adam, adamw, but got "
                        + "\"rmsprop\""),
                Arguments.of("momentum", "1", "momentum must be in [0, 1), but got 1.0"),
                Arguments.of("weight-decay", "0.01", "optimizer adam takes no weight decay, but weight-decay is 0.01; "
                        + "use optimizer adamw for Adam with decoupled weight decay"),
                Arguments.of("optimizer", "adamw", "optimizer adamw is Adam with decoupled weight decay, but "
                        + "weight-decay is 0; give weight-decay > 0 (e.g. 0.01), or use optimizer adam"),
                Arguments.of("warmup-steps", "-1", "warmup-steps must be an integer >= 0, but got -1"),
                Arguments.of("lr-scaling", "sqrt", "lr-scaling must be one of none, linear, but got \"sqrt\""),
                Arguments.of("base-batch", "0", "base-batch must be an integer >= 1, but got 0"),
                Arguments.of("lr-schedule", "linear", "lr-schedule must be constant, step:EVERY:FACTOR (an integer "
                        + "EVERY >= 1, 0 < FACTOR <= 1), cosine or poly:POWER (POWER > 0), but got \"linear\""),
                Arguments.of("lr-schedule", "step:10:2", "lr-schedule must be constant, step:EVERY:FACTOR (an integer "
                        + "EVERY >= 1, 0 < FACTOR <= 1), cosine or poly:POWER (POWER > 0), but got \"step:10:2\""));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("refusals")
    void refusesBadValuesNamingKeyRuleAndValue(String key, String value, String message) {
        Map<String, String> values = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        values.put(key, value);
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.fromMap(values));
        assertAll(
                () -> assertEquals(message, e.getMessage(), "message"),
                () -> assertEquals(key, e.key(), "key"));
    }

    @Test
    void codeBuiltConfigurationsPassTheSameRules() {
        ConfigException e = assertThrows(ConfigException.class, () -> new TrainConfig(0, 4, 1, 1e-3, BnMode.SYNC,
                "fmnist-cnn", "synthetic", "", 1, DataType.FLOAT, "", 0, 0, 0, 0, 120, 3, BnRenorm.NONE, Optimization.DEFAULT));
        assertEquals("workers must be an integer >= 1, but got 0", e.getMessage());
    }

    @Test
    void refusesUnknownAndMissingKeys() {
        Map<String, String> unknown = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        unknown.put("worker", "4");
        Map<String, String> missing = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        missing.remove("epochs");
        assertAll(
                () -> assertEquals("unknown key \"worker\"; allowed keys: workers, per-worker-batch, epochs, lr, bn, "
                        + "model, data, master, seed, dtype, out, checkpoint-every, diagnostics-every, precise-bn, bn-virtual-batch, collective-timeout, max-stage-attempts, bn-renorm, optimizer, momentum, weight-decay, warmup-steps, lr-scaling, base-batch, lr-schedule",
                        assertThrows(ConfigException.class, () -> TrainConfig.fromMap(unknown)).getMessage()),
                () -> assertEquals("missing key \"epochs\"; a complete configuration has every key: workers, "
                        + "per-worker-batch, epochs, lr, bn, model, data, master, seed, dtype, out, checkpoint-every, diagnostics-every, precise-bn, bn-virtual-batch, collective-timeout, max-stage-attempts, bn-renorm, optimizer, momentum, weight-decay, warmup-steps, lr-scaling, base-batch, lr-schedule",
                        assertThrows(ConfigException.class, () -> TrainConfig.fromMap(missing)).getMessage()));
    }

    @Test
    void acceptsMastersThatCanRunEveryWorker() {
        Map<String, String> values = new LinkedHashMap<>(TrainConfig.defaults().toMap());
        for (String master : new String[] {"local[8]", "local[*]", "local[12,3]", "spark://h:7077", "yarn",
            "k8s://https://h:6443", ""}) {
            values.put("master", master);
            assertEquals(master, TrainConfig.fromMap(values).master(), "master " + master);
        }
    }
}
