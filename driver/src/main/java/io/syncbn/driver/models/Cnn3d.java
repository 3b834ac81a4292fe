package io.syncbn.driver.models;

import io.syncbn.nn.activations.FastReLU;
import io.syncbn.nn.conf.DnnlConvolution3D;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small 3-D CNN for NCDHW volumes, the case of one volume per worker where only synchronized BN
 * has enough values per channel: two 3×3×3 convolutions without bias (8 channels; 16 with stride
 * 2; padding 1), each followed by synchronized BN and ReLU, global average pooling, softmax.
 */
final class Cnn3d implements Architecture {

    static final String NAME = "cnn3d";

    /** Output channels and stride of the blocks. */
    private static final int[][] BLOCKS = {{8, 1}, {16, 2}};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "2 conv3d(3x3x3, no bias)-SyncBN-ReLU blocks (8, 16/2), global average pooling, softmax; for"
                + " [1,8,16,16] NCDHW volumes";
    }

    @Override
    public ModelSpec defaultSpec() {
        return ModelSpec.of(List.of(1, 8, 16, 16), 4);
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
        LayerChain.requireInputRank(NAME, spec, 4, "[channels, depth, height, width]");
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < BLOCKS.length; i++) {
            int block = i + 1;
            int stride = BLOCKS[i][1];
            layers.add(new DnnlConvolution3D.Builder(3, 3, 3).name("conv" + block).nOut(BLOCKS[i][0])
                    .stride(stride, stride, stride).padding(1, 1, 1).hasBias(false).activation(Activation.IDENTITY)
                    .dataFormat(Convolution3D.DataFormat.NCDHW).build());
            // The 3-D layout must be given: SyncBatchNormalization does not take it from the input type.
            layers.add(new SyncBatchNormalization.Builder().name("bn" + block)
                    .dataFormat(Convolution3D.DataFormat.NCDHW).build());
            layers.add(new ActivationLayer.Builder().name("relu" + block).activation(new FastReLU()).build());
        }
        layers.add(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build());
        layers.add(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nOut(spec.classes())
                .activation(Activation.SOFTMAX).build());
        return new LayerChain(spec, layers);
    }
}
