package io.syncbn.testing;

import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small networks with a batch-normalization layer, for each input layout, plus matching random data. */
public final class Networks {

    /** The input layouts the layer supports. */
    public enum Kind { DENSE, NCHW, NHWC, NCDHW }

    private static final int CLASSES = 3;

    private Networks() {
    }

    /** A list configuration: feature layer, BN from {@code bn}, activation, pooling (if spatial), softmax output. */
    public static MultiLayerConfiguration list(Kind kind, Supplier<Layer> bn, IUpdater updater, DataType dt, long seed) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(seed).dataType(dt)
                .updater(updater).list();
        b.layer(features(kind));
        b.layer(bn.get());
        b.layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer(Activation.TANH));
        if (kind != Kind.DENSE) {
            b.layer(new GlobalPoolingLayer(PoolingType.AVG));
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX)
                .build());
        return b.setInputType(inputType(kind)).build();
    }

    /** The same network as a graph. */
    public static ComputationGraphConfiguration graph(Kind kind, Supplier<Layer> bn, IUpdater updater, DataType dt,
            long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed).dataType(dt)
                .updater(updater).graphBuilder().addInputs("in");
        g.addLayer("features", features(kind), "in");
        g.addLayer("bn", bn.get(), "features");
        g.addLayer("act", new org.deeplearning4j.nn.conf.layers.ActivationLayer(Activation.TANH), "bn");
        String last = "act";
        if (kind != Kind.DENSE) {
            g.addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "act");
            last = "pool";
        }
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                .activation(Activation.SOFTMAX).build(), last);
        return g.setOutputs("out").setInputTypes(inputType(kind)).build();
    }

    /** A synchronized BN layer configuration for {@code kind}. */
    public static Supplier<Layer> syncBn(SyncBatchNormalization.RunningVariance running) {
        return () -> new SyncBatchNormalization.Builder().decay(0.8).eps(1e-4).runningVariance(running).build();
    }

    /** DL4J's BN layer configuration, with the same options as {@link #syncBn}. */
    public static Supplier<Layer> dl4jBn() {
        return () -> new BatchNormalization.Builder().decay(0.8).eps(1e-4).useLogStd(false).build();
    }

    /** Random features of the network's input shape, batch {@code n}. */
    public static INDArray features(Kind kind, int n, DataType dt, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = switch (kind) {
            case DENSE -> new long[] {n, 5};
            case NCHW -> new long[] {n, 2, 5, 4};
            case NHWC -> new long[] {n, 5, 4, 2};
            case NCDHW -> new long[] {n, 2, 3, 4, 3};
        };
        return Nd4j.randn(DataType.DOUBLE, shape).muli(1.5).addi(0.5).castTo(dt);
    }

    /** One-hot labels for batch {@code n}. */
    public static INDArray labels(int n, DataType dt, long seed) {
        INDArray y = Nd4j.zeros(dt, n, CLASSES);
        java.util.Random rnd = new java.util.Random(seed);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, rnd.nextInt(CLASSES), 1.0);
        }
        return y;
    }

    private static Layer features(Kind kind) {
        return switch (kind) {
            case DENSE -> new DenseLayer.Builder().nOut(4).activation(Activation.IDENTITY).hasBias(false).build();
            case NCHW -> new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                    .activation(Activation.IDENTITY).dataFormat(CNN2DFormat.NCHW).build();
            case NHWC -> new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).hasBias(false)
                    .activation(Activation.IDENTITY).dataFormat(CNN2DFormat.NHWC).build();
            case NCDHW -> new Convolution3D.Builder(2, 2, 2).nOut(3).hasBias(false).activation(Activation.IDENTITY)
                    .dataFormat(Convolution3D.DataFormat.NCDHW).build();
        };
    }

    private static InputType inputType(Kind kind) {
        return switch (kind) {
            case DENSE -> InputType.feedForward(5);
            case NCHW -> InputType.convolutional(5, 4, 2, CNN2DFormat.NCHW);
            case NHWC -> InputType.convolutional(5, 4, 2, CNN2DFormat.NHWC);
            case NCDHW -> InputType.convolutional3D(Convolution3D.DataFormat.NCDHW, 3, 4, 3, 2);
        };
    }
}
