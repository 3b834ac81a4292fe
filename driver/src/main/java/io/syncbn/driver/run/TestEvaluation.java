package io.syncbn.driver.run;

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
        int n = test.numExamples();
        if (n == 0) {
            throw new IllegalArgumentException("the test set holds no examples; give a data set with held-out examples");
        }
        Evaluation evaluation = new Evaluation(test.getLabels().columns());
        double lossSum = 0;
        for (DataSet batch : Batches.split(test, BATCH)) {
            INDArray output = output(network, batch.getFeatures());
            if (output.columns() != batch.getLabels().columns()) {
                throw new IllegalArgumentException("the network predicts " + output.columns() + " classes, but the test "
                        + "labels have " + batch.getLabels().columns() + "; evaluate it on data with "
                        + output.columns() + " classes");
            }
            evaluation.eval(batch.getLabels(), output);
            double loss = network instanceof MultiLayerNetwork net ? net.score(batch, false)
                    : ((ComputationGraph) network).score(batch, false);
            lossSum += loss * batch.numExamples();
        }
        return new TestResult(n, evaluation.accuracy(), lossSum / n, evaluation);
    }
}
