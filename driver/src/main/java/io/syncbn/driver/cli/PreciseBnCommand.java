package io.syncbn.driver.cli;

import io.syncbn.driver.config.TrainConfig;
import io.syncbn.driver.data.Batches;
import io.syncbn.driver.data.DataSource;
import io.syncbn.driver.data.DataSources;
import io.syncbn.driver.evaluation.TestEvaluation;
import io.syncbn.driver.evaluation.TestResult;
import io.syncbn.driver.run.AtomicFiles;
import io.syncbn.driver.run.ModelFiles;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.spark.PreciseBatchNorm;
import io.syncbn.driver.spark.SyncKryoRegistrator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code syncbn precise-bn MODEL OUT --batches M}: PreciseBN ({@link PreciseBatchNorm}) on Spark —
 * the running statistics of every trained BN layer replaced by the population statistics of its input
 * over M batches of training data under the model's frozen weights — written to a new model, with the
 * test accuracy before and after.
 */
@Command(name = "precise-bn", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Recomputes the running statistics of a model's BN layers over training data (PreciseBN).",
            "", "Each of M batches of --batch-size examples is normalized with its own statistics, as training "
                + "with that global batch did, and each layer's input moments are merged exactly over all of them; "
                + "the result replaces the exponential moving averages. Runs on Spark (local[N] in this process "
                + "unless spark-submit gives a master).", ""})
final class PreciseBnCommand implements Callable<Integer> {

    /** Examples per element of the RDD the batches are drawn from. */
    private static final int RDD_CHUNK = 256;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model zip, e.g. a run's model.zip.")
    private Path model;

    @Parameters(index = "1", paramLabel = "OUT", description = "The model zip to write; must not exist.")
    private Path target;

    @Option(names = "--batches", paramLabel = "M", required = true, description = "Batches to average over.")
    private int batches;

    @Option(names = "--batch-size", paramLabel = "G", description = "Examples per batch; default: the global "
            + "batch of the run whose directory holds MODEL.")
    private Integer batchSize;

    @Option(names = "--data", paramLabel = "SPEC", description = "Data whose training split to use; default: the "
            + "run's data.")
    private String data;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Spark tasks.")
    private int workers;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Seed of the shuffle that picks "
            + "the examples.")
    private long seed;

    private final PrintStream out;

    PreciseBnCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        if (Files.exists(target)) {
            throw new IllegalArgumentException("OUT " + target + " exists; give a new file name, or delete it first");
        }
        TrainConfig run = data == null || batchSize == null ? RunDirectory.configOfModel(model,
                "--data or --batch-size", "give --data SPEC and --batch-size G") : null;
        int size = batchSize != null ? batchSize : run.globalBatch();
        DataSource source = DataSources.open(data != null ? data : run.data());
        Model network = ModelFiles.load(model, true);
        TestResult before = TestEvaluation.evaluate(network, source.test());
        SparkConf conf = new SparkConf().setAppName("syncbn precise-bn");
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[" + workers + "]").set("spark.ui.enabled", "false");
        }
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", SyncKryoRegistrator.class.getName());
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            JavaRDD<MultiDataSet> examples = sc.parallelize(Batches.split(source.train(), RDD_CHUNK).stream()
                    .map(DataSet::toMultiDataSet).toList(), workers);
            PreciseBatchNorm.apply(sc, network, examples, size, batches, workers, seed);
        }
        TestResult after = TestEvaluation.evaluate(network, source.test());
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        AtomicFiles.write(target, tmp -> ModelSerializer.writeModel(network, tmp.toFile(), true));
        out.printf(Locale.ROOT, "PreciseBN over %d batches of %d training examples (%d workers): test accuracy "
                + "%.4f before, %.4f after (loss %.4f before, %.4f after) on %s; wrote %s%n", batches, size, workers,
                before.accuracy(), after.accuracy(), before.loss(), after.loss(), source.name(), target);
        return 0;
    }
}
