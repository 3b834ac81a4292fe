package io.syncbn.driver.cli;

import io.syncbn.convert.BatchNormFolding;
import io.syncbn.convert.LayerConversion;
import io.syncbn.driver.run.AtomicFiles;
import io.syncbn.driver.run.ModelFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code syncbn export MODEL OUT}: writes a copy of a model whose layers are DL4J's own (synchronized
 * batch normalization becomes {@code BatchNormalization}, the oneDNN convolutions {@code
 * ConvolutionLayer}, {@code FastReLU} DL4J's ReLU; {@link LayerConversion#toDl4j}), so plain DL4J
 * loads and runs it without this project's jar. With {@code --fold-bn}, batch normalization is folded
 * into the convolution or dense layer before it ({@link BatchNormFolding}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes a copy of a model that plain DL4J loads.", "",
            "Its synchronized batch-normalization layers become DL4J's own BatchNormalization, its oneDNN "
                + "convolutions DL4J's ConvolutionLayer and its ReLUs DL4J's, so MultiLayerNetwork.load reads it "
                + "without the syncbn jar; parameters, running statistics and updater state are kept. With "
                + "--fold-bn, BN layers are folded into the layers before them.", ""})
final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model zip, e.g. a run's model.zip.")
    private Path model;

    @Parameters(index = "1", paramLabel = "OUT", description = "The zip to write; must not exist.")
    private Path target;

    @Option(names = "--fold-bn", description = "Fold every batch-normalization layer that directly follows a "
            + "convolution or dense layer into its weights and bias (a model for inference, without those BN "
            + "layers and without updater state); BN layers that cannot be folded are kept and listed.")
    private boolean foldBn;

    private final PrintStream out;

    ExportCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        if (Files.exists(target)) {
            throw new IllegalArgumentException("OUT " + target + " exists; give a new file name, or delete it first");
        }
        Model network = ModelFiles.load(model, true);
        fixLearningRates(network);
        if (foldBn) {
            writeFolded(network);
            return 0;
        }
        Model exported;
        long converted;
        if (network instanceof MultiLayerNetwork net) {
            converted = net.getLayerWiseConfigurations().getConfs().stream()
                    .filter(c -> LayerConversion.isProjectLayer(c.getLayer())).count();
            exported = LayerConversion.toDl4j(net);
        } else {
            ComputationGraph graph = (ComputationGraph) network;
            converted = graph.getConfiguration().getVertices().values().stream()
                    .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                            && LayerConversion.isProjectLayer(lv.getLayerConf().getLayer()))
                    .count();
            exported = LayerConversion.toDl4j(graph);
        }
        write(exported);
        out.println("exported " + model + " to " + target + ": " + converted + " layer(s) now DL4J's own "
                + "(BatchNormalization, ConvolutionLayer, ReLU); load it with MultiLayerNetwork.load (or "
                + "ComputationGraph.load) and no syncbn jar");
        return 0;
    }

    private void writeFolded(Model network) throws IOException {
        BatchNormFolding.Result<? extends Model> folded = network instanceof MultiLayerNetwork net
                ? BatchNormFolding.fold(net) : BatchNormFolding.fold((ComputationGraph) network);
        write(folded.network());
        out.println("exported " + model + " to " + target + " with " + folded.folded().size() + " batch-normalization "
                + "layer(s) folded into the layer before them" + (folded.kept().isEmpty() ? ""
                        : " and " + folded.kept().size() + " kept") + "; plain DL4J loads it, for inference");
        folded.folded().forEach(f -> out.println("  folded " + f));
        folded.kept().forEach(k -> out.println("  kept " + k));
    }

    /**
     * Replaces syncbn's learning-rate schedules (warmup and decay, {@code
     * io.syncbn.driver.models.LearningRateSchedule}) by the rate they give at the network's current
     * iteration, so plain DL4J can read the exported configuration.
     */
    static void fixLearningRates(Model network) {
        java.util.List<org.deeplearning4j.nn.conf.layers.Layer> layers = new java.util.ArrayList<>();
        int iteration;
        int epoch;
        if (network instanceof MultiLayerNetwork net) {
            net.getLayerWiseConfigurations().getConfs().forEach(c -> layers.add(c.getLayer()));
            iteration = net.getIterationCount();
            epoch = net.getEpochCount();
        } else {
            ComputationGraph graph = (ComputationGraph) network;
            graph.getConfiguration().getVertices().values().forEach(v -> {
                if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                    layers.add(lv.getLayerConf().getLayer());
                }
            });
            iteration = graph.getIterationCount();
            epoch = graph.getEpochCount();
        }
        for (org.deeplearning4j.nn.conf.layers.Layer layer : layers) {
            if (layer instanceof org.deeplearning4j.nn.conf.layers.BaseLayer base && base.getIUpdater() != null
                    && base.getIUpdater().hasLearningRate()) {
                org.nd4j.linalg.learning.config.IUpdater u = base.getIUpdater();
                u.setLrAndSchedule(u.getLearningRate(iteration, epoch), null);
            }
        }
    }

    private void write(Model exported) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        AtomicFiles.write(target, tmp -> ModelSerializer.writeModel(exported, tmp.toFile(), !foldBn));
    }
}
