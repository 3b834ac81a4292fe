package io.syncbn.driver.models;

import io.syncbn.driver.config.LrSchedule;
import io.syncbn.driver.config.Optimization;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Puts an {@link Optimization} into a network configuration: every layer's updater, with the warmup
 * as a learning-rate schedule, and decoupled weight decay on the layers' weights. Weight decay reaches
 * convolution and dense weights only: DL4J applies a layer's regularization to its weight parameters,
 * biases have their own (empty) list, and batch-normalization layers regularize nothing.
 */
public final class Optimizers {

    private Optimizers() {
    }

    /** The updater of {@code optimization} for the learning rate {@code lr}, in a run without decay. */
    public static IUpdater updater(Optimization optimization, double lr) {
        return updater(optimization, lr, optimization.warmupSteps());
    }

    /**
     * The updater of {@code optimization} for the learning rate {@code lr}, in a run of {@code
     * totalSteps} steps (where any decay ends).
     */
    public static IUpdater updater(Optimization optimization, double lr, long totalSteps) {
        ISchedule schedule = optimization.warmupSteps() > 0 || !LrSchedule.CONSTANT.equals(optimization.schedule())
                ? new LearningRateSchedule(lr, optimization.warmupSteps(), totalSteps,
                        optimization.schedule().toString()) : null;
        return switch (optimization.optimizer()) {
            case "sgd" -> schedule == null ? new Sgd(lr) : new Sgd(schedule);
            case "nesterov" -> schedule == null ? new Nesterovs(lr, optimization.momentum())
                    : new Nesterovs(schedule, optimization.momentum());
            default -> schedule == null ? new Adam(lr) : new Adam(schedule);
        };
    }

    /**
     * Sets every layer's updater and weight decay in {@code conf}, for a run of {@code totalSteps}
     * steps. The schedule is syncbn's {@link LearningRateSchedule} (ND4J's own {@code RampSchedule}
     * cannot be read back from a saved model's JSON in 1.0.0-M2).
     */
    public static void apply(MultiLayerConfiguration conf, Optimization optimization, double lr, long totalSteps) {
        List<Regularization> decay = optimization.weightDecay() > 0
                ? List.of(new WeightDecay(optimization.weightDecay(), true)) : List.of();
        for (NeuralNetConfiguration layer : conf.getConfs()) {
            if (layer.getLayer() instanceof BaseLayer base) {
                base.setIUpdater(updater(optimization, lr, totalSteps));
                base.setRegularization(decay);
            }
        }
    }
}
