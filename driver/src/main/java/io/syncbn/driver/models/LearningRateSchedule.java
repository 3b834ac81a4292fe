package io.syncbn.driver.models;

import io.syncbn.driver.config.LrSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A run's learning rate per iteration: {@code lr * (i + 1) / warmup} during the warmup (Goyal et al.
 * 2017, section 2.2), then {@code lr} times the decay's multiplier ({@link LrSchedule}) over the
 * remaining {@code totalSteps - warmup} steps. Saved with the model's configuration (JSON), so a
 * resumed run continues the same schedule.
 */
public final class LearningRateSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    @JsonProperty("learningRate")
    private final double learningRate;
    @JsonProperty("warmup")
    private final int warmup;
    @JsonProperty("totalSteps")
    private final long totalSteps;
    @JsonProperty("decay")
    private final String decay;
    @org.nd4j.shade.jackson.annotation.JsonIgnore
    private transient LrSchedule parsed;

    /**
     * @param learningRate the rate after the warmup, before any decay
     * @param warmup warmup steps, at least 0
     * @param totalSteps steps of the whole run (the decay ends there)
     * @param decay the decay in {@link LrSchedule}'s text form
     */
    @JsonCreator
    public LearningRateSchedule(@JsonProperty("learningRate") double learningRate, @JsonProperty("warmup") int warmup,
            @JsonProperty("totalSteps") long totalSteps, @JsonProperty("decay") String decay) {
        this.learningRate = learningRate;
        this.warmup = warmup;
        this.totalSteps = totalSteps;
        this.parsed = LrSchedule.parse(decay);
        this.decay = parsed.toString();
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmup) {
            return learningRate * (iteration + 1) / warmup;
        }
        if (parsed == null) {
            // Java deserialization leaves the transient field empty.
            parsed = LrSchedule.parse(decay);
        }
        return learningRate * parsed.multiplier(iteration - warmup, totalSteps - warmup);
    }

    @Override
    public ISchedule clone() {
        return new LearningRateSchedule(learningRate, warmup, totalSteps, decay);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearningRateSchedule s && Double.compare(learningRate, s.learningRate) == 0
                && warmup == s.warmup && totalSteps == s.totalSteps && decay.equals(s.decay);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(learningRate, warmup, totalSteps, decay);
    }

    @Override
    public String toString() {
        return "LearningRateSchedule(lr=" + learningRate + ", warmup=" + warmup + ", totalSteps=" + totalSteps
                + ", decay=" + decay + ")";
    }
}
