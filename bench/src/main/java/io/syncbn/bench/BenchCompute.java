package io.syncbn.bench;

import io.syncbn.api.BnMode;
import io.syncbn.api.StepMetrics;
import io.syncbn.convert.LayerConversion;
import io.syncbn.driver.models.ModelSpec;
import io.syncbn.driver.models.Models;
import io.syncbn.driver.spark.SyncKryoRegistrator;
import io.syncbn.driver.spark.SyncTrainingMaster;
import io.syncbn.nn.conf.DnnlConvolution2D;
import io.syncbn.nn.dnnl.Dnnl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code scripts/bench-compute}: compute throughput of the fmnist-cnn on 28×28 images (synthetic,
 * class-structured, float32) on this machine, in one JVM, beside PyTorch CPU on the same architecture
 * and batch (the output of {@code bench/python/torch_compute.py}, read from a file). Measured here:
 * single-process {@code MultiLayerNetwork.fit} at the global batch with this project's layers (oneDNN
 * convolutions, synchronized BN) and with DL4J's own layers on the same network; this trainer with N
 * workers × b examples (sync BN) in {@code local[N]}, both end to end (epoch wall time, Spark overheads
 * included) and per step (global batch / median step time); and the forward and backward times of the
 * model's three convolutions as standalone layers, this project's and DL4J's. Each training
 * configuration first trains at least 300 warm-up steps (whole epochs, at least one), then the
 * measured epochs (median). Last line: {@code RESULT
 * single_over_torch=<x> trainer_over_ddp=<y> over_dl4j=<z>} ({@code n/a} where PyTorch's number is
 * missing); trainer_over_ddp uses the per-step rate, since PyTorch's DDP rate excludes process start-up.
 */
public final class BenchCompute {

    /** Input channels, output channels, stride, input height/width of the model's convolutions conv1..conv3. */
    private static final int[][] CONVS = {{1, 32, 1, 28}, {32, 32, 2, 28}, {32, 64, 2, 14}};

    private BenchCompute() {
    }

    /** Arguments: [--examples 2048] [--epochs 2] [--workers 2] [--per-worker-batch 16] [--torch FILE]. */
    public static void main(String[] args) throws IOException {
        int examples = 2048;
        int epochs = 2;
        int workers = 2;
        int b = 16;
        Path torchFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--examples" -> examples = positive(a, v);
                case "--epochs" -> epochs = positive(a, v);
                case "--workers" -> workers = positive(a, v);
                case "--per-worker-batch" -> b = positive(a, v);
                case "--torch" -> torchFile = Path.of(v);
                default -> usage("unknown argument " + a);
            }
        }
        int batch = workers * b;
        if (examples < batch) {
            usage("--examples (" + examples + ") is smaller than one global batch (" + batch + ")");
        }
        Map<String, Double> torch = readTorch(torchFile);

        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        System.out.printf("fmnist-cnn, %d synthetic examples of 28x28, float32, batch %d (trainer: %d workers x %d, "
                + "sync BN), %d measured epochs after at least " + WARMUP_STEPS + " warm-up steps%n", examples, batch,
                workers, b, epochs);
        System.out.printf("JVM availableProcessors=%d, ND4J omp.threads=%s blas.threads=%s, GOMP_SPINCOUNT=%s, "
                + "oneDNN available=%s%s%n", Runtime.getRuntime().availableProcessors(), env.get("omp.threads"),
                env.get("blas.threads"), System.getenv().getOrDefault("GOMP_SPINCOUNT", "unset (libgomp's default)"),
                Dnnl.available(), Dnnl.available() ? "" : " (" + Dnnl.unavailableReason() + ")");

        List<DataSet> data = BenchTrain.synthetic(examples, 7);
        MultiLayerConfiguration syncbnConf = Models.list(Models.DEFAULT, ModelSpec.of(List.of(1, 28, 28), 10));
        System.out.println("measuring single-process fit, syncbn layers ...");
        double single = singleProcess(syncbnConf, data, batch, epochs);
        System.out.println("measuring single-process fit, DL4J layers ...");
        double dl4j = singleProcess(dl4jLayers(syncbnConf), data, batch, epochs);
        System.out.println("measuring the convolutions as standalone layers ...");
        List<ConvLayerTimes.ConvTimes> convs = new ArrayList<>();
        for (int i = 0; i < CONVS.length; i++) {
            convs.add(ConvLayerTimes.convTimes(i + 1, CONVS[i], batch));
        }
        System.out.println("measuring the syncbn trainer in local[" + workers + "] ...");
        Trainer trainer = trainer(data, examples, workers, b, epochs);

        Double torchSingle = torch.get("single_examples_per_s");
        Double torchDdp = torch.get("ddp_examples_per_s");
        System.out.println();
        System.out.println("training throughput (examples/s; PyTorch CPU on the same architecture and batch)");
        System.out.printf("  %-58s %10s %10s %8s%n", "configuration", "ours", "PyTorch", "ratio");
        System.out.printf("  %-58s %10.1f %10s %8s%n", "single process, syncbn layers (batch " + batch + ")", single,
                fmt(torchSingle, 1), ratio(single, torchSingle));
        System.out.printf("  %-58s %10.1f %10s %8s%n", "single process, DL4J layers (batch " + batch + ")", dl4j, "", "");
        System.out.printf("  %-58s %10.1f %10s %8s%n", "syncbn trainer " + workers + " x " + b
                + ", sync BN, per step (trainer_steps)", trainer.steps, fmt(torchDdp, 1), ratio(trainer.steps, torchDdp));
        System.out.printf("  %-58s %10.1f %10s %8s%n", "syncbn trainer " + workers + " x " + b
                + ", sync BN, end to end (trainer_e2e)", trainer.e2e, "", ratio(trainer.e2e, torchDdp));
        System.out.printf("  PyTorch beside the trainer: DDP over Gloo, %d processes x 1 thread x %d examples, "
                + "per-worker BN (PyTorch's SyncBatchNorm is GPU-only).%n", workers, b);
        System.out.printf("  trainer_over_ddp uses the per-step rate (median step %.1f ms); end to end adds ~1-2 s of "
                + "Spark stage overhead per epoch.%n", trainer.medianStepMs);
        System.out.println();
        System.out.println("convolutions at batch " + batch + ", float32, all cores: median ms of " + ConvLayerTimes.LAYER_REPS
                + " calls after " + ConvLayerTimes.LAYER_WARMUP + " (backward: input and weight gradients)");
        System.out.printf("  %-28s %8s %8s %8s   %8s %8s %8s%n", "layer", "fwd ours", "DL4J", "PyTorch", "bwd ours",
                "DL4J", "PyTorch");
        for (ConvLayerTimes.ConvTimes c : convs) {
            System.out.printf("  %-28s %8.3f %8.3f %8s   %8.3f %8.3f %8s%n", c.label(), c.fwd(), c.dl4jFwd(),
                    fmt(torch.get("conv" + c.index() + "_fwd_ms"), 3), c.bwd(), c.dl4jBwd(),
                    fmt(torch.get("conv" + c.index() + "_bwd_ms"), 3));
        }
        System.out.println("  DL4J's backward recomputes the forward (preOutput) first; ours and PyTorch's do not.");
        System.out.println("  page faults per call (fwd/bwd), ours | DL4J:");
        for (ConvLayerTimes.ConvTimes c : convs) {
            System.out.printf("    conv%d %.0f/%.0f | %.0f/%.0f; ours computed by %s%n", c.index(), c.faults()[0],
                    c.faults()[1], c.faults()[2], c.faults()[3], c.implementation());
        }
        if (torch.isEmpty()) {
            System.out.println("(no PyTorch numbers: " + (torchFile == null ? "no --torch file" : torchFile
                    + " has no TORCH lines") + ")");
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "RESULT single_over_torch=%s trainer_over_ddp=%s over_dl4j=%.3f%n",
                ratio(single, torchSingle), ratio(trainer.steps, torchDdp), single / dl4j);
        System.out.flush();
        // Spark leaves a non-daemon timer thread ("Barrier task timer") behind after stop().
        System.exit(0);
    }

    /**
     * The same network with DL4J's own layers: {@code ConvolutionLayer} for {@code DnnlConvolution2D},
     * {@code BatchNormalization} for {@code SyncBatchNormalization}.
     */
    private static MultiLayerConfiguration dl4jLayers(MultiLayerConfiguration conf) {
        MultiLayerConfiguration out = LayerConversion.toDl4j(conf);
        for (NeuralNetConfiguration layer : out.getConfs()) {
            if (LayerConversion.isProjectLayer(layer.getLayer())) {
                throw new IllegalStateException("LayerConversion.toDl4j left a project layer: " + layer.getLayer());
            }
        }
        return out;
    }

    /** Warm-up steps before measuring (single-process {@code fit}, and the trainer in whole epochs). */
    private static final int WARMUP_STEPS = 300;

    /**
     * Median examples/s of {@code epochs} epochs of {@code fit} on batches of {@code batch}, after a
     * warm-up of at least one epoch and {@value #WARMUP_STEPS} steps.
     */
    private static double singleProcess(MultiLayerConfiguration conf, List<DataSet> data, int batch, int epochs) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
        net.init();
        List<DataSet> examples = new ArrayList<>();
        for (DataSet d : data) {
            examples.addAll(d.asList());
        }
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < examples.size(); i += batch) {
            batches.add(DataSet.merge(examples.subList(i, Math.min(examples.size(), i + batch))));
        }
        // Warm-up: at least one epoch and WARMUP_STEPS steps, so that the JIT has compiled the step's
        // Java code (the first ~100 steps run partly interpreted); PyTorch needs no such warm-up.
        for (int step = 0; step < Math.max(WARMUP_STEPS, batches.size()); step++) {
            net.fit(batches.get(step % batches.size()));
        }
        double[] rates = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            long start = System.nanoTime();
            for (DataSet d : batches) {
                net.fit(d);
            }
            rates[e] = examples.size() / ((System.nanoTime() - start) / 1e9);
        }
        return medianOf(rates);
    }

    private record Trainer(double e2e, double steps, double medianStepMs) {
    }

    /** The syncbn trainer, sync BN: end-to-end and per-step examples/s over the measured epochs. */
    private static Trainer trainer(List<DataSet> data, int examples, int workers, int b, int epochs) {
        SparkConf conf = new SparkConf().setMaster("local[" + workers + "]").setAppName("bench-compute")
                .set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", SyncKryoRegistrator.class.getName());
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            JavaRDD<DataSet> rdd = sc.parallelize(data, workers).cache();
            rdd.count();
            SyncTrainingMaster tm = new SyncTrainingMaster.Builder(workers, b).bnMode(BnMode.SYNC).build();
            MultiLayerNetwork net = new MultiLayerNetwork(Models.list(Models.DEFAULT, ModelSpec.of(List.of(1, 28, 28), 10)));
            net.init();
            SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, tm);
            // Warm-up epochs until WARMUP_STEPS steps have run: the tasks' threads compile their own paths.
            for (int warmed = 0; warmed < WARMUP_STEPS; warmed += Math.max(1, tm.lastEpochMetrics().size())) {
                spark.fit(rdd);
            }
            double[] rates = new double[epochs];
            List<Double> stepMs = new ArrayList<>();
            for (int e = 0; e < epochs; e++) {
                long start = System.nanoTime();
                spark.fit(rdd);
                double seconds = (System.nanoTime() - start) / 1e9;
                List<StepMetrics> steps = tm.lastEpochMetrics();
                long trained = steps.stream().mapToLong(StepMetrics::examples).sum();
                rates[e] = (trained > 0 ? trained : examples) / seconds;
                steps.forEach(m -> stepMs.add(m.millis()));
            }
            double medianStep = medianOf(stepMs.stream().mapToDouble(Double::doubleValue).toArray());
            return new Trainer(medianOf(rates), workers * b / (medianStep / 1e3), medianStep);
        }
    }

    /** The {@code TORCH key=value} lines of torch_compute.py's output (none when the file is absent or empty). */
    private static Map<String, Double> readTorch(Path file) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        if (file == null || !Files.isReadable(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.startsWith("TORCH ")) {
                continue;
            }
            String kv = line.substring("TORCH ".length()).trim();
            int eq = kv.indexOf('=');
            if (eq > 0) {
                try {
                    out.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
                } catch (NumberFormatException e) {
                    // Not a number: left out, printed as n/a.
                }
            }
        }
        return out;
    }

    private static String fmt(Double v, int decimals) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String ratio(double ours, Double theirs) {
        return theirs == null || theirs <= 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", ours / theirs);
    }

    static double medianOf(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static int positive(String name, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // falls through to the usage message
        }
        usage(name + " takes a positive integer, got " + value);
        return 0;
    }

    private static void usage(String message) {
        System.err.println("error: " + message);
        System.err.println("usage: BenchCompute [--examples 2048] [--epochs 2] [--workers 2] [--per-worker-batch 16] "
                + "[--torch FILE]");
        System.exit(2);
    }
}
