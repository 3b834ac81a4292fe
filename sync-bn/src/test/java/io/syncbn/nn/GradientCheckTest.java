package io.syncbn.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.nn.conf.SyncBatchNormalization;
import io.syncbn.testing.Networks;
import java.util.Set;
import java.util.function.Supplier;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * DL4J's numerical gradient check (central differences, float64) of networks containing the layer,
 * for every input layout, and with the options that change the backward pass (scale/shift, ghost
 * batches, batch renormalization). The
 * running-statistics parameters have zero gradient, which the check confirms numerically too: in
 * training mode the output does not depend on them.
 */
class GradientCheckTest {

    private static final double EPSILON = 1e-6;
    private static final double MAX_REL_ERROR = 1e-5;
    private static final double MIN_ABS_ERROR = 1e-9;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restorePrecision() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    static Stream<Arguments> cases() {
        Supplier<Layer> plain = () -> new SyncBatchNormalization.Builder().build();
        Supplier<Layer> noScale = () -> new SyncBatchNormalization.Builder().scale(false).build();
        Supplier<Layer> locked = () -> new SyncBatchNormalization.Builder().lockGammaBeta(true).gammaInit(1.7)
                .betaInit(0.3).build();
        Supplier<Layer> globalStats = () -> new SyncBatchNormalization.Builder().useGlobalStats(true)
                .runningMeanInit(0.2).runningVarInit(2.0).build();
        Supplier<Layer> ghost2 = () -> new SyncBatchNormalization.Builder().virtualBatchSize(2).build();
        Supplier<Layer> ghost3 = () -> new SyncBatchNormalization.Builder().virtualBatchSize(3).build();
        // Batch renormalization with both corrections clipped (averages far from any batch's statistics,
        // held fixed by momentum 1): r and d are then constants of the inputs too, so the numerical
        // gradient sees exactly what backpropagation, which treats them as constants, computes.
        Supplier<Layer> renormClipped = () -> new SyncBatchNormalization.Builder().renorm(2, 0.5, 0).renormMomentum(1)
                .runningMeanInit(20).runningVarInit(100).build();
        return Stream.of(
                Arguments.of(Networks.Kind.NCHW, "batch renormalization, r and d clipped", renormClipped, Set.of()),
                Arguments.of(Networks.Kind.DENSE, "batch renormalization, r and d clipped", renormClipped, Set.of()),
                Arguments.of(Networks.Kind.NCHW, "ghost batches of 2 (2, 2, 1)", ghost2, Set.of()),
                Arguments.of(Networks.Kind.NHWC, "ghost batches of 2 (2, 2, 1)", ghost2, Set.of()),
                Arguments.of(Networks.Kind.DENSE, "ghost batches of 3 (3, 2)", ghost3, Set.of()),
                Arguments.of(Networks.Kind.DENSE, "plain", plain, Set.of()),
                Arguments.of(Networks.Kind.NCHW, "plain", plain, Set.of()),
                Arguments.of(Networks.Kind.NHWC, "plain", plain, Set.of()),
                Arguments.of(Networks.Kind.NCDHW, "plain", plain, Set.of()),
                Arguments.of(Networks.Kind.NCHW, "no scale", noScale, Set.of()),
                Arguments.of(Networks.Kind.DENSE, "locked gamma/beta", locked, Set.of()),
                // With running statistics in training, the loss depends on them, but they are not trained
                // (NoOp updater, updated only by batch statistics), so they have no gradient to check.
                Arguments.of(Networks.Kind.NCHW, "running statistics while training", globalStats,
                        Set.of("1_mean", "1_var")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void analyticGradientsMatchNumericalOnes(Networks.Kind kind, String option, Supplier<Layer> bn,
            Set<String> untrained) {
        MultiLayerNetwork net = new MultiLayerNetwork(Networks.list(kind, bn, new NoOp(), DataType.DOUBLE, 12345));
        net.init();
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(Networks.features(kind, 5, DataType.DOUBLE, 1)).labels(Networks.labels(5, DataType.DOUBLE, 1))
                .epsilon(EPSILON).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(untrained).print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
        assertTrue(ok, "gradient check failed for " + kind + " with " + option + " (failures are logged above)");
    }
}
