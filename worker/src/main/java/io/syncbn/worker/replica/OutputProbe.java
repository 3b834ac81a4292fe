package io.syncbn.worker.replica;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Counts correct arg-max predictions of the output layer during a training step, at the point where
 * DL4J has the output layer's input at hand (after the backward pass), so accuracy costs one
 * output-layer forward instead of a second pass through the network.
 */
final class OutputProbe extends BaseTrainingListener {

    private final NetworkAdapter network;
    private INDArray labels;
    private long correct;

    OutputProbe(NetworkAdapter network) {
        this.network = network;
    }

    /** Arms the probe for the next step, with the shard's labels (one-hot or probabilities). */
    void expect(INDArray labels) {
        this.labels = labels;
        this.correct = -1;
    }

    /** Correct predictions in the last step; -1 if the network made no backward pass. */
    long correct() {
        return correct;
    }

    @Override
    public void onBackwardPass(Model model) {
        if (labels == null || labels.rank() != 2) {
            correct = 0;
            return;
        }
        Layer out = network.outputLayer();
        INDArray predictions = out.activate(false, LayerWorkspaceMgr.noWorkspaces());
        if (predictions.rank() != 2 || predictions.size(1) != labels.size(1)) {
            correct = 0;
            return;
        }
        INDArray predicted = predictions.argMax(1);
        INDArray actual = labels.argMax(1);
        correct = predicted.eq(actual).castTo(org.nd4j.linalg.api.buffer.DataType.LONG).sumNumber().longValue();
    }
}
