package io.syncbn.driver.study;

import java.util.List;
import java.util.Objects;

/**
 * The setup of a study, as its report states it above the findings.
 *
 * @param title the report's title
 * @param globalBatch G, examples per global step in every cell
 * @param epochs epochs trained in every cell
 * @param data the data set, e.g. {@code Fashion-MNIST}
 * @param model the network, e.g. {@code a small CNN with 3 BN layers}
 * @param modes the BN modes swept, in their text form ({@code sync}, {@code local}, {@code group:K}); the
 *     report lists modes in this order
 * @param perWorkerBatches the per-worker batches swept
 * @param seeds the seeds swept
 * @param command the command line that ran the study
 * @param totalSeconds wall time of the whole study; NaN if unknown (a cell's time was not recorded)
 * @param classes the number of classes; chance accuracy is 1 / classes
 */
public record ReportHeader(String title, int globalBatch, int epochs, String data, String model, List<String> modes,
        List<Integer> perWorkerBatches, List<Long> seeds, String command, double totalSeconds, int classes) {

    /** Validates and copies the lists. */
    public ReportHeader {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(command, "command");
        if (globalBatch < 1) {
            throw new IllegalArgumentException("globalBatch must be at least 1, but got " + globalBatch);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, but got " + epochs);
        }
        if (totalSeconds < 0 || Double.isInfinite(totalSeconds)) {
            throw new IllegalArgumentException("totalSeconds must be finite and at least 0 (or NaN: unknown), but got "
                    + totalSeconds);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be at least 2, but got " + classes);
        }
        modes = List.copyOf(modes);
        perWorkerBatches = List.copyOf(perWorkerBatches);
        seeds = List.copyOf(seeds);
    }

    /** Chance accuracy: 1 / classes. */
    public double chance() {
        return 1.0 / classes;
    }
}
