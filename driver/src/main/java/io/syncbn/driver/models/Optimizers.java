package io.syncbn.driver.models;

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
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Puts an {@link Optimization} into a network configuration: every layer's updater, with the warmup
 * as a learning-rate schedule, and decoupled weight decay on the layers' weights. Weight decay reaches
 * convolution and dense weights only: DL4J applies a layer's regularization to its weight parameters,
 * biases have their own (empty) list, and batch-normalization layers regularize nothing.
 */
public final class Optimizers {

    private Optimizers() {
    }

    /** The updater of {@code optimization} for the learning rate {@code lr}. */
    public static IUpdater updater(Optimization optimization, double lr) {
        ISchedule schedule = optimization.warmupSteps() > 0 ? warmup(lr, optimization.warmupSteps()) : null;
        return switch (optimization.optimizer()) {
            case "sgd" -> schedule == null ? new Sgd(lr) : new Sgd(schedule);
            case "nesterov" -> schedule == null ? new Nesterovs(lr, optimization.momentum())
                    : new Nesterovs(schedule, optimization.momentum());
            default -> schedule == null ? new Adam(lr) : new Adam(schedule);
        };
    }

    /**
     * The rate {@code lr * (i + 1) / steps} at iteration {@code i < steps}, then {@code lr}: a linear
     * warmup as a {@link MapSchedule}, one entry per warmup step (ND4J's own {@code RampSchedule} cannot
     * be read back from a saved model's JSON in 1.0.0-M2).
     */
    static ISchedule warmup(double lr, int steps) {
        MapSchedule.Builder map = new MapSchedule.Builder(ScheduleType.ITERATION);
        for (int i = 0; i < steps; i++) {
            map.add(i, lr * (i + 1) / steps);
        }
        return map.add(steps, lr).build();
    }

    /** Sets every layer's updater and weight decay in {@code conf}. */
    public static void apply(MultiLayerConfiguration conf, Optimization optimization, double lr) {
        List<Regularization> decay = optimization.weightDecay() > 0
                ? List.of(new WeightDecay(optimization.weightDecay(), true)) : List.of();
        for (NeuralNetConfiguration layer : conf.getConfs()) {
            if (layer.getLayer() instanceof BaseLayer base) {
                base.setIUpdater(updater(optimization, lr));
                base.setRegularization(decay);
            }
        }
    }
}
