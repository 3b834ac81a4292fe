package io.syncbn.driver.models;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.config.LrSchedule;
import io.syncbn.driver.config.Optimization;
import io.syncbn.nn.conf.SyncBatchNormalization;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * The optimizers and large-batch knobs put into a network: the updater kinds, the warmup ramp, the
 * linear scaling rule, and weight decay on convolution and dense weights only — never on BN gamma/beta
 * or biases.
 */
class OptimizersTest {

    private static final double LR = 0.01;

    @Test
    void eachOptimizerGivesItsUpdater() {
        IUpdater nesterov = Optimizers.updater(new Optimization("nesterov", 0.8, 0, 0, false, 256), LR);
        assertAll(
                () -> assertInstanceOf(Sgd.class, Optimizers.updater(new Optimization("sgd", 0.9, 0, 0, false, 256), LR)),
                () -> assertEquals(0.8, ((Nesterovs) nesterov).getMomentum()),
                () -> assertEquals(LR, ((Nesterovs) nesterov).getLearningRate()),
                () -> assertInstanceOf(Adam.class, Optimizers.updater(Optimization.DEFAULT, LR)),
                () -> assertInstanceOf(Adam.class, Optimizers.updater(new Optimization("adamw", 0.9, 0.01, 0, false,
                        256), LR)));
    }

    @Test
    void warmupRampsTheLearningRateUpFromZero() {
        Sgd sgd = (Sgd) Optimizers.updater(new Optimization("sgd", 0.9, 0, 10, false, 256), LR);
        double first = sgd.getLearningRate(0, 0);
        double middle = sgd.getLearningRate(4, 0);
        double after = sgd.getLearningRate(10, 0);
        double later = sgd.getLearningRate(1000, 0);
        assertAll(
                () -> assertTrue(first > 0 && first < middle && middle < after, first + " < " + middle + " < " + after),
                () -> assertEquals(LR, after, 1e-15, "the full rate once the warmup is over"),
                () -> assertEquals(LR, later, 1e-15));
    }

    @Test
    void theDecaysFollowTheirFormulasAfterTheWarmup() {
        LrSchedule cosine = LrSchedule.parse("cosine");
        LrSchedule step = LrSchedule.parse("step:10:0.5");
        LrSchedule poly = LrSchedule.parse("poly:2");
        Sgd sgd = (Sgd) Optimizers.updater(new Optimization("sgd", 0.9, 0, 4, false, 256, cosine), LR, 24);
        assertAll(
                () -> assertEquals(1.0, cosine.multiplier(0, 20), 1e-15),
                () -> assertEquals(0.5, cosine.multiplier(10, 20), 1e-15),
                () -> assertEquals(0.0, cosine.multiplier(20, 20), 1e-15),
                () -> assertEquals(0.25, step.multiplier(25, 100), 1e-15),
                () -> assertEquals(0.25, poly.multiplier(10, 20), 1e-15),
                () -> assertEquals("step:10:0.5", step.toString()),
                () -> assertEquals(LR / 4, sgd.getLearningRate(0, 0), 1e-15, "warmup"),
                () -> assertEquals(LR, sgd.getLearningRate(4, 0), 1e-15, "the end of the warmup"),
                () -> assertEquals(LR / 2, sgd.getLearningRate(14, 0), 1e-15, "half way through the decay"),
                () -> assertEquals(0, sgd.getLearningRate(24, 0), 1e-15, "the last step"));
    }

    @Test
    void theLinearScalingRuleScalesByGlobalBatchOverBaseBatch() {
        assertAll(
                () -> assertEquals(0.004, new Optimization("sgd", 0.9, 0, 0, true, 256).learningRate(0.001, 1024), 1e-15),
                () -> assertEquals(0.001, new Optimization("sgd", 0.9, 0, 0, false, 256).learningRate(0.001, 1024)));
    }

    @Test
    void weightDecayReachesConvolutionAndDenseWeightsOnly() {
        MultiLayerConfiguration conf = Models.list("fmnist-cnn", ModelSpec.of(List.of(1, 28, 28), 10));
        Optimizers.apply(conf, new Optimization("nesterov", 0.9, 5e-4, 0, false, 256), LR, 100);
        List<Executable> checks = new ArrayList<>();
        int weighted = 0;
        for (NeuralNetConfiguration c : conf.getConfs()) {
            if (!(c.getLayer() instanceof BaseLayer layer)) {
                continue;
            }
            String name = layer.getLayerName();
            checks.add(() -> assertInstanceOf(Nesterovs.class, layer.getIUpdater(), name + ": updater"));
            if (layer instanceof SyncBatchNormalization) {
                for (String p : List.of("gamma", "beta")) {
                    checks.add(() -> assertEquals(List.of(), layer.getRegularizationByParam(p), name + " " + p));
                }
            } else {
                weighted++;
                checks.add(() -> assertEquals(List.of(new WeightDecay(5e-4, true)), layer.getRegularizationByParam("W"),
                        name + " weights"));
                checks.add(() -> assertEquals(List.of(), layer.getRegularizationByParam("b"), name + " bias"));
            }
        }
        int n = weighted;
        checks.add(() -> assertEquals(4, n, "three convolutions and the output layer"));
        assertAll(checks);
    }
}
