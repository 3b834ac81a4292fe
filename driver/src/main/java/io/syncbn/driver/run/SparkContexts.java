package io.syncbn.driver.run;

import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.spark.SyncKryoRegistrator;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Starts the Spark context of a training run. The master is the configuration's, else the one {@code
 * spark-submit} passed (as the {@code spark.master} system property), else {@code local[N]} in this
 * process with one task slot per worker. Kryo with {@link SyncKryoRegistrator} serializes the data
 * unless the submitter chose otherwise; the barrier {@code allGather} of the workers' rendezvous gets
 * the run's collective timeout as its deadline ({@code spark.barrier.sync.timeout}).
 */
public final class SparkContexts {

    private SparkContexts() {
    }

    /** The Spark configuration for {@code config}: {@code spark.*} system properties, then the rules above. */
    public static SparkConf conf(TrainConfig config) {
        SparkConf conf = new SparkConf();
        if (!config.master().isEmpty()) {
            conf.setMaster(config.master());
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[" + config.workers() + "]");
        }
        conf.setIfMissing("spark.app.name", "syncbn train");
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", SyncKryoRegistrator.class.getName());
        // The workers' rendezvous is a barrier allGather, whose own deadline is a year by default: a task
        // left waiting there by a failed stage would hold its slot that long.
        conf.setIfMissing("spark.barrier.sync.timeout", config.collectiveTimeout() + "s");
        if (conf.get("spark.master").startsWith("local")) {
            // One process: the web UI would only take a port.
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        return conf;
    }

    /** Starts a context for {@code config}; stop (close) it when the run ends. */
    public static JavaSparkContext start(TrainConfig config) {
        return new JavaSparkContext(conf(config));
    }
}
