package io.syncbn.worker.replica;

import io.syncbn.nn.SyncBatchNorm;
import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.deeplearning4j.optimize.solvers.StochasticGradientDescent;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * What a {@link Replica} needs from a DL4J network, for {@link MultiLayerNetwork} and {@link
 * ComputationGraph} alike: compute the raw (summed, pre-updater) gradient of a shard, and apply the
 * updater to a given gradient exactly as DL4J's own {@code fit} does (divide by the batch size,
 * normalize, regularize, update, subtract, count the iteration, apply constraints).
 */
abstract sealed class NetworkAdapter permits NetworkAdapter.ListNetwork, NetworkAdapter.Graph {

    /** The adapter for {@code network}. */
    static NetworkAdapter of(Model network) {
        if (network instanceof MultiLayerNetwork mln) {
            return new ListNetwork(mln);
        }
        if (network instanceof ComputationGraph graph) {
            return new Graph(graph);
        }
        throw new IllegalArgumentException("network must be a MultiLayerNetwork or a ComputationGraph, but got "
                + (network == null ? "null" : network.getClass().getName()));
    }

    /** The network. */
    abstract Model model();

    /** Makes sure every layer has its view of the flattened gradient, which DL4J creates lazily. */
    abstract void initGradientViews();

    /** Forward and backward pass of one non-empty shard; returns DL4J's score (mean loss + regularization). */
    abstract double computeGradientAndScore(MultiDataSet shard);

    /** The output layer whose activations the accuracy counts (the first one, for graphs). */
    abstract Layer outputLayer();

    /** The network's flattened raw gradient, which every layer's gradient is a view of. */
    abstract INDArray flattenedGradients();

    /** The network's flattened parameters. */
    abstract INDArray params();

    /** The regularization term DL4J adds to the score. */
    abstract double regularizationScore();

    /** Iteration count. */
    abstract int iteration();

    /** Epoch count. */
    abstract int epoch();

    /** Runs DL4J's updater on {@code gradient} for a batch of {@code batchSize}, then steps the parameters. */
    abstract void update(Gradient gradient, int batchSize);

    /** Key of a parameter in the network's gradient map. */
    abstract String gradientKey(Layer layer, int index, String param);

    /** The layers in forward (topological) order. */
    abstract List<Layer> layersInForwardOrder();

    /** The synchronized batch-normalization layers that train (not frozen), in forward order. */
    final List<SyncBatchNormalizationLayer> syncBnLayers() {
        List<SyncBatchNormalizationLayer> all = SyncBatchNorm.trainedLayers(model());
        List<SyncBatchNormalizationLayer> ordered = new ArrayList<>();
        for (Layer l : layersInForwardOrder()) {
            for (SyncBatchNormalizationLayer bn : all) {
                if (bn == l || unwrap(l) == bn) {
                    ordered.add(bn);
                }
            }
        }
        return ordered;
    }

    /**
     * A gradient whose per-parameter entries are views of {@link #flattenedGradients()}, as DL4J
     * builds after a backward pass: for a replica with no examples in a step.
     */
    final Gradient gradientOfViews() {
        Gradient g = new DefaultGradient(flattenedGradients());
        List<Layer> layers = layersInForwardOrder();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            INDArray view = layer.getGradientsViewArray();
            if (view == null || layer.numParams() == 0) {
                continue;
            }
            layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), view)
                    .forEach((param, v) -> g.setGradientFor(gradientKey(layer, layer.getIndex(), param), v));
        }
        return g;
    }

    private static Layer unwrap(Layer l) {
        Layer inner = l;
        while (inner instanceof org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer w) {
            inner = w.getUnderlying();
        }
        return inner;
    }

    /** {@link MultiLayerNetwork}. */
    static final class ListNetwork extends NetworkAdapter {
        private final MultiLayerNetwork net;

        ListNetwork(MultiLayerNetwork net) {
            this.net = net;
        }

        @Override
        Model model() {
            return net;
        }

        @Override
        void initGradientViews() {
            if (net.getFlattenedGradients() == null) {
                net.initGradientsView();
            }
        }

        @Override
        double computeGradientAndScore(MultiDataSet shard) {
            if (shard.getFeatures().length != 1 || shard.getLabels().length != 1) {
                throw new IllegalArgumentException("a MultiLayerNetwork takes one features and one labels array, but "
                        + "the data has " + shard.getFeatures().length + " and " + shard.getLabels().length);
            }
            net.setInput(shard.getFeatures(0));
            net.setLabels(shard.getLabels(0));
            net.setLayerMaskArrays(shard.getFeaturesMaskArray(0), shard.getLabelsMaskArray(0));
            net.computeGradientAndScore();
            return net.score();
        }

        @Override
        Layer outputLayer() {
            return net.getOutputLayer();
        }

        @Override
        INDArray flattenedGradients() {
            return net.getFlattenedGradients();
        }

        @Override
        INDArray params() {
            return net.params();
        }

        @Override
        double regularizationScore() {
            return net.calcRegularizationScore(true);
        }

        @Override
        int iteration() {
            return net.getIterationCount();
        }

        @Override
        int epoch() {
            return net.getEpochCount();
        }

        @Override
        void update(Gradient gradient, int batchSize) {
            net.getUpdater().update(net, gradient, iteration(), epoch(), batchSize, LayerWorkspaceMgr.noWorkspaces());
            net.params().subi(net.getFlattenedGradients());
            BaseOptimizer.incrementIterationCount(net, 1);
            StochasticGradientDescent.applyConstraints(net);
        }

        @Override
        String gradientKey(Layer layer, int index, String param) {
            return index + "_" + param;
        }

        @Override
        List<Layer> layersInForwardOrder() {
            return List.of(net.getLayers());
        }
    }

    /** {@link ComputationGraph}. */
    static final class Graph extends NetworkAdapter {
        private final ComputationGraph graph;

        Graph(ComputationGraph graph) {
            this.graph = graph;
        }

        @Override
        Model model() {
            return graph;
        }

        @Override
        void initGradientViews() {
            if (graph.getFlattenedGradients() == null) {
                graph.initGradientsView();
            }
        }

        @Override
        double computeGradientAndScore(MultiDataSet shard) {
            graph.setInputs(shard.getFeatures());
            graph.setLabels(shard.getLabels());
            graph.setLayerMaskArrays(shard.getFeaturesMaskArrays(), shard.getLabelsMaskArrays());
            graph.computeGradientAndScore();
            return graph.score();
        }

        @Override
        Layer outputLayer() {
            return graph.getOutputLayer(0);
        }

        @Override
        INDArray flattenedGradients() {
            return graph.getFlattenedGradients();
        }

        @Override
        INDArray params() {
            return graph.params();
        }

        @Override
        double regularizationScore() {
            return graph.calcRegularizationScore(true);
        }

        @Override
        int iteration() {
            return graph.getIterationCount();
        }

        @Override
        int epoch() {
            return graph.getEpochCount();
        }

        @Override
        void update(Gradient gradient, int batchSize) {
            graph.getUpdater().update(gradient, iteration(), epoch(), batchSize, LayerWorkspaceMgr.noWorkspaces());
            graph.params().subi(graph.getFlattenedGradients());
            BaseOptimizer.incrementIterationCount(graph, 1);
            StochasticGradientDescent.applyConstraints(graph);
        }

        @Override
        String gradientKey(Layer layer, int index, String param) {
            return layer.conf().getLayer().getLayerName() + "_" + param;
        }

        @Override
        List<Layer> layersInForwardOrder() {
            List<Layer> out = new ArrayList<>();
            GraphVertex[] vertices = graph.getVertices();
            for (int idx : graph.topologicalSortOrder()) {
                if (vertices[idx].hasLayer()) {
                    out.add(vertices[idx].getLayer());
                }
            }
            return out;
        }
    }
}
