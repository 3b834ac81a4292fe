package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syncbn.nn.activations.FastReLU;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link FastReLU} gives exactly what DL4J's {@code ActivationReLU} gives, forward and backward, in
 * float and double, on values that include zeros (gradient 0 there, as DL4J's), negative zeros and
 * negative values; and survives a network's JSON round trip.
 */
class FastReLUTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void matchesDl4jReluExactly(DataType dt) {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 3, 5, 5).castTo(dt);
        x.putScalar(0, 0.0);
        x.putScalar(1, -0.0);
        x.putScalar(2, Double.MIN_VALUE);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 4, 3, 5, 5).castTo(dt);
        INDArray expectedY = new ActivationReLU().getActivation(x.dup(), true);
        INDArray expectedDx = new ActivationReLU().backprop(x.dup(), eps.dup()).getFirst();
        INDArray y = new FastReLU().getActivation(x.dup(), true);
        INDArray dx = new FastReLU().backprop(x.dup(), eps.dup()).getFirst();
        assertAll(
                () -> assertArrayEquals(expectedY.ravel().toDoubleVector(), y.ravel().toDoubleVector(), 0.0, "forward"),
                () -> assertArrayEquals(expectedDx.ravel().toDoubleVector(), dx.ravel().toDoubleVector(), 0.0, "backward"));
    }

    @Test
    void survivesJson() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(new FastReLU()).build())
                .layer(new ActivationLayer.Builder().activation(new FastReLU()).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2).build()).build();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertAll(
                () -> assertEquals(conf, back),
                () -> assertEquals(FastReLU.class,
                        ((ActivationLayer) back.getConf(1).getLayer()).getActivationFn().getClass()));
    }
}
