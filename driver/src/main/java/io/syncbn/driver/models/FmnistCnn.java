package io.syncbn.driver.models;

import io.syncbn.nn.activations.FastReLU;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import io.syncbn.nn.conf.DnnlConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The reference network of the project's Fashion-MNIST experiments: three 3×3 convolutions without
 * bias (32 channels; 32 with stride 2; 64 with stride 2; padding 1), each followed by synchronized
 * BN and ReLU, then global average pooling and a softmax output trained with cross-entropy. On
 * 28×28 NCHW images the feature maps are 28×28, 14×14 and 7×7.
 */
final class FmnistCnn implements Architecture {

    static final String NAME = "fmnist-cnn";

    /** Output channels and stride of the blocks. */
    private static final int[][] BLOCKS = {{32, 1}, {32, 2}, {64, 2}};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "3 conv(3x3, no bias)-SyncBN-ReLU blocks (32, 32/2, 64/2), global average pooling, softmax;"
                + " for 28x28x1 images (Fashion-MNIST)";
    }

    @Override
    public ModelSpec defaultSpec() {
        return ModelSpec.of(List.of(1, 28, 28), 10);
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
        LayerChain.requireInputRank(NAME, spec, 3, "[channels, height, width]");
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < BLOCKS.length; i++) {
            int block = i + 1;
            int stride = BLOCKS[i][1];
            layers.add(new DnnlConvolution2D.Builder(3, 3).name("conv" + block).nOut(BLOCKS[i][0])
                    .stride(stride, stride).padding(1, 1).hasBias(false).activation(Activation.IDENTITY)
                    .dataFormat(CNN2DFormat.NCHW).build());
            layers.add(new SyncBatchNormalization.Builder().name("bn" + block).dataFormat(CNN2DFormat.NCHW).build());
            layers.add(new ActivationLayer.Builder().name("relu" + block).activation(new FastReLU()).build());
        }
        layers.add(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build());
        layers.add(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nOut(spec.classes())
                .activation(Activation.SOFTMAX).build());
        return new LayerChain(spec, layers);
    }
}
