package io.syncbn.driver.run;

import java.io.IOException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Where a run stands: the epoch in progress and how many of its steps are done. With the network's
 * parameters and updater state (stored beside it) this is all a run needs to continue: the shuffle
 * of an epoch is a pure function of the seed and the epoch number, so epoch and step locate the next
 * global batch exactly.
 *
 * @param epoch the epoch in progress, 0-based ({@code epochs} when every epoch is done)
 * @param step steps of that epoch already trained
 * @param metricsBytes length of {@code metrics.jsonl} when the checkpoint was written; lines past it
 *     describe steps that a resumed run trains again, so they are cut
 * @param epochSeconds wall time spent training the epoch in progress so far
 * @param runSeconds wall time spent training and evaluating so far, over all attempts
 */
public record Checkpoint(int epoch, int step, long metricsBytes, double epochSeconds, double runSeconds) {

    /** The state of a run that has not trained anything. */
    public static final Checkpoint START = new Checkpoint(0, 0, 0, 0, 0);

    private static final String[] FIELDS = {"epoch", "step", "metrics_bytes", "epoch_seconds", "run_seconds"};

    /** Validates the components. */
    public Checkpoint {
        if (epoch < 0 || step < 0 || metricsBytes < 0 || !(epochSeconds >= 0) || !(runSeconds >= 0)) {
            throw new IllegalArgumentException("every field of a checkpoint must be >= 0, but got epoch " + epoch
                    + ", step " + step + ", metricsBytes " + metricsBytes + ", epochSeconds " + epochSeconds
                    + ", runSeconds " + runSeconds);
        }
    }

    String toJson() {
        ObjectNode o = Json.object();
        o.put(FIELDS[0], epoch);
        o.put(FIELDS[1], step);
        o.put(FIELDS[2], metricsBytes);
        o.put(FIELDS[3], epochSeconds);
        o.put(FIELDS[4], runSeconds);
        return Json.pretty(o);
    }

    static Checkpoint fromJson(String text) throws IOException {
        JsonNode o = Json.parse(text);
        for (String field : FIELDS) {
            if (!o.hasNonNull(field)) {
                throw new IOException("the checkpoint state has no \"" + field + "\"");
            }
        }
        return new Checkpoint(o.get(FIELDS[0]).asInt(), o.get(FIELDS[1]).asInt(), o.get(FIELDS[2]).asLong(),
                o.get(FIELDS[3]).asDouble(), o.get(FIELDS[4]).asDouble());
    }
}
