package io.syncbn.driver.models;

import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A multilayer perceptron for tabular data: one dense (no bias) → synchronized BN → tanh block per
 * hidden width, then a softmax output. Images and volumes are flattened by the preprocessor DL4J
 * inserts for the input type; with no hidden widths it is multinomial logistic regression.
 */
final class Mlp implements Architecture {

    static final String NAME = "mlp";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "dense(no bias)-SyncBN-tanh blocks of the spec's hidden widths (default 64,64), softmax; for tabular"
                + " data (images are flattened)";
    }

    @Override
    public ModelSpec defaultSpec() {
        return ModelSpec.of(List.of(784), 10);
    }

    @Override
    public MultiLayerConfiguration list(ModelSpec spec) {
        return chain(spec).toList();
    }

    @Override
    public ComputationGraphConfiguration graph(ModelSpec spec) {
        return chain(spec).toGraph();
    }

    private static LayerChain chain(ModelSpec spec) {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < spec.hidden().size(); i++) {
            int block = i + 1;
            layers.add(new DenseLayer.Builder().name("dense" + block).nOut(spec.hidden().get(i)).hasBias(false)
                    .activation(Activation.IDENTITY).build());
            layers.add(new SyncBatchNormalization.Builder().name("bn" + block).build());
            layers.add(new ActivationLayer.Builder().name("tanh" + block).activation(Activation.TANH).build());
        }
        layers.add(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nOut(spec.classes())
                .activation(Activation.SOFTMAX).build());
        return new LayerChain(spec, layers);
    }
}
