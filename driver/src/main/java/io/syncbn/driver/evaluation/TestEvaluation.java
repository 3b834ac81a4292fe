package io.syncbn.driver.evaluation;

import io.syncbn.driver.data.Batches;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Evaluates a classifier on a test set in inference mode: {@code output(x, false)}, so batch
 * normalization uses running statistics and never communicates. Accuracy comes from DL4J's {@link
 * Evaluation}; the loss is the network's own score in inference mode, averaged over examples.
 */
public final class TestEvaluation {

    /** Examples per inference batch: large enough to amortize per-call overhead, small enough for memory. */
    public static final int BATCH = 500;

    private TestEvaluation() {
    }

    private static INDArray output(Model network, INDArray features) {
        if (network instanceof MultiLayerNetwork net) {
            return net.output(features, false);
        }
        if (network instanceof ComputationGraph graph) {
            return graph.outputSingle(false, features);
        }
        throw new IllegalArgumentException("cannot evaluate a " + network.getClass().getName()
                + "; expected a MultiLayerNetwork or a ComputationGraph");
    }

    /**
     * Evaluates {@code network} (a {@link MultiLayerNetwork} or a single-output {@link ComputationGraph})
     * on {@code test}.
     *
     * @throws IllegalArgumentException if {@code test} is empty or the network is of another kind
     */
    public static TestResult evaluate(Model network, DataSet test) {
        return evaluate(network, test, BATCH);
    }

    /**
     * Evaluates {@code network} on {@code test} in inference batches of {@code batch} examples (the
     * last one shorter); the result depends on the batch only when batch normalization normalizes
     * with batch statistics ({@code io.syncbn.driver.diagnostics}).
     *
     * @throws IllegalArgumentException if {@code test} is empty or the network is of another kind
     */
    public static TestResult evaluate(Model network, DataSet test, int batch) {
        int n = test.numExamples();
        if (n == 0) {
            throw new IllegalArgumentException("the test set holds no examples; give a data set with held-out examples");
        }
        Evaluation evaluation = new Evaluation(test.getLabels().columns());
        double lossSum = 0;
        for (DataSet part : Batches.split(test, batch)) {
            INDArray output = output(network, part.getFeatures());
            if (output.columns() != part.getLabels().columns()) {
                throw new IllegalArgumentException("the network predicts " + output.columns() + " classes, but the test "
                        + "labels have " + part.getLabels().columns() + "; evaluate it on data with "
                        + output.columns() + " classes");
            }
            evaluation.eval(part.getLabels(), output);
            double loss = network instanceof MultiLayerNetwork net ? net.score(part, false)
                    : ((ComputationGraph) network).score(part, false);
            lossSum += loss * part.numExamples();
        }
        return new TestResult(n, evaluation.accuracy(), lossSum / n, evaluation);
    }
}
