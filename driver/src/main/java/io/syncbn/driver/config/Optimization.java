package io.syncbn.driver.config;

import java.util.List;

/**
 * How a run updates the network's parameters, with the knobs of large-batch training.
 *
 * @param optimizer {@code sgd}, {@code nesterov} (SGD with Nesterov momentum), {@code adam} or {@code
 *     adamw} (Adam with decoupled weight decay; I. Loshchilov and F. Hutter, "Decoupled Weight Decay
 *     Regularization", ICLR 2019)
 * @param momentum Nesterov's momentum, in [0, 1)
 * @param weightDecay decoupled weight decay of the convolution and dense weights, never of
 *     batch-normalization gamma/beta nor of biases (as large-batch practice requires; P. Goyal et al.,
 *     "Accurate, Large Minibatch SGD", 2017); at least 0; {@code adamw} needs it above 0 and {@code
 *     adam} refuses it
 * @param warmupSteps the learning rate grows linearly from 0 over this many steps, then stays
 *     (Goyal et al. 2017, section 2.2); at least 0
 * @param linearScaling the linear scaling rule: the learning rate is multiplied by global batch /
 *     {@code baseBatch} (Goyal et al. 2017, section 2.1)
 * @param baseBatch the global batch the learning rate was chosen for, at least 1
 * @param schedule how the learning rate decays after the warmup
 */
public record Optimization(String optimizer, double momentum, double weightDecay, int warmupSteps,
        boolean linearScaling, int baseBatch, LrSchedule schedule) {

    /** The optimizers. */
    public static final List<String> OPTIMIZERS = List.of("sgd", "nesterov", "adam", "adamw");

    /** What runs did before these knobs: Adam with a constant learning rate. */
    public static final Optimization DEFAULT = new Optimization("adam", 0.9, 0, 0, false, 256);

    /** Without decay. */
    public Optimization(String optimizer, double momentum, double weightDecay, int warmupSteps, boolean linearScaling,
            int baseBatch) {
        this(optimizer, momentum, weightDecay, warmupSteps, linearScaling, baseBatch, LrSchedule.CONSTANT);
    }

    /** Validates, naming the key of the value that breaks its rule. */
    public Optimization {
        if (!OPTIMIZERS.contains(optimizer)) {
            throw new ConfigException(TrainConfig.OPTIMIZER, "optimizer must be one of " + String.join(", ", OPTIMIZERS)
                    + ", but got \"" + optimizer + "\"");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new ConfigException(TrainConfig.MOMENTUM, "momentum must be in [0, 1), but got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new ConfigException(TrainConfig.WEIGHT_DECAY, "weight-decay must be a finite number >= 0, but got "
                    + weightDecay);
        }
        if ("adamw".equals(optimizer) && weightDecay == 0) {
            throw new ConfigException(TrainConfig.OPTIMIZER, "optimizer adamw is Adam with decoupled weight decay, "
                    + "but weight-decay is 0; give weight-decay > 0 (e.g. 0.01), or use optimizer adam");
        }
        if ("adam".equals(optimizer) && weightDecay > 0) {
            throw new ConfigException(TrainConfig.WEIGHT_DECAY, "optimizer adam takes no weight decay, but weight-decay "
                    + "is " + weightDecay + "; use optimizer adamw for Adam with decoupled weight decay");
        }
        if (warmupSteps < 0) {
            throw new ConfigException(TrainConfig.WARMUP_STEPS, "warmup-steps must be an integer >= 0, but got "
                    + warmupSteps);
        }
        java.util.Objects.requireNonNull(schedule, "schedule");
        if (baseBatch < 1) {
            throw new ConfigException(TrainConfig.BASE_BATCH, "base-batch must be an integer >= 1, but got " + baseBatch);
        }
    }

    /** The learning rate a run with global batch {@code globalBatch} starts from (after any warmup). */
    public double learningRate(double lr, int globalBatch) {
        return linearScaling ? lr * globalBatch / baseBatch : lr;
    }
}
