package io.syncbn.driver.study;

import io.syncbn.driver.study.StudyGroups.Summary;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The findings of a study, as sentences computed from its rows. Every number in a sentence is a
 * mean over seeds of the rows' values (values not measured are left out), and every claim is a
 * comparison of those numbers; a sentence whose numbers are missing (no reference row, no
 * non-reference row, no batch-statistics accuracy) is left out rather than guessed.
 *
 * <ol>
 *   <li>the test accuracy with running statistics of each mode at the smallest per-worker batch,
 *       against the reference and chance;
 *   <li>which modes there are within {@link #NEAR_REFERENCE} of the reference and which within
 *       {@link #NEAR_CHANCE} of chance;
 *   <li>the train/inference gap at the smallest per-worker batch: accuracy with batch statistics
 *       minus accuracy with running statistics;
 *   <li>per mode, the mean divergence over layers for each per-worker batch, and whether it falls
 *       monotonically as the per-worker batch grows.
 * </ol>
 */
final class StudyFindings {

    /** How close to the reference a mode's accuracy must be to be "within 5 points" of it. */
    static final double NEAR_REFERENCE = 0.05;
    /** How close to chance a mode's accuracy must be to be "near chance". */
    static final double NEAR_CHANCE = 0.10;

    private StudyFindings() {
    }

    /** The findings of {@code rows}, as plain-text sentences (no markup). */
    static List<String> of(ReportHeader header, List<CellResult> rows) {
        List<String> out = new ArrayList<>();
        List<Integer> batches = StudyGroups.batches(rows);
        List<String> modes = StudyGroups.modes(rows, header.modes());
        Summary reference = StudyGroups.summarize(StudyGroups.references(rows), CellResult::testAccuracyRunning);
        if (batches.isEmpty()) {
            if (rows.isEmpty()) {
                out.add("No cell has been measured yet.");
            } else if (reference.measured()) {
                out.add("Only the reference was measured: " + accuracy(reference) + " test accuracy (running "
                        + "statistics); chance is " + fixed(header.chance(), 2) + ".");
            } else {
                out.add("Only the reference was run, and its test accuracy was not measured.");
            }
            return out;
        }
        int b = batches.get(0);
        accuracyAtSmallest(header, rows, b, modes, reference).ifPresent(out::add);
        closeness(header, rows, b, modes, reference).ifPresent(out::add);
        trainInferenceGap(rows, b, modes).ifPresent(out::add);
        divergenceTrend(rows, batches, modes).ifPresent(out::add);
        return out;
    }

    private static Optional<String> accuracyAtSmallest(ReportHeader header, List<CellResult> rows, int b,
            List<String> modes, Summary reference) {
        StringJoiner items = new StringJoiner(", ");
        boolean spread = reference.n() > 1;
        for (String mode : modes) {
            Summary s = StudyGroups.summarize(StudyGroups.cells(rows, mode, b), CellResult::testAccuracyRunning);
            if (s.measured()) {
                items.add(accuracy(s) + " for " + mode + " BN");
                spread |= s.n() > 1;
            }
        }
        if (items.length() == 0) {
            return Optional.empty();
        }
        StringBuilder s = new StringBuilder("With ").append(examples(b)).append(" per worker (")
                .append(workers(rows, b)).append("), test accuracy with running statistics ")
                .append(spread ? "(mean ± standard deviation over seeds) " : "").append("is ").append(items);
        if (reference.measured()) {
            s.append(", against ").append(accuracy(reference)).append(" for the reference (whole global batch of ")
                    .append(header.globalBatch()).append(" in one process)");
        }
        return Optional.of(s.append("; chance is ").append(fixed(header.chance(), 2)).append('.')
                .toString());
    }

    private static Optional<String> closeness(ReportHeader header, List<CellResult> rows, int b,
            List<String> modes, Summary reference) {
        List<String> near = new ArrayList<>();
        List<String> chance = new ArrayList<>();
        List<String> neither = new ArrayList<>();
        for (String mode : modes) {
            Summary s = StudyGroups.summarize(StudyGroups.cells(rows, mode, b), CellResult::testAccuracyRunning);
            if (!s.measured()) {
                continue;
            }
            boolean isNear = reference.measured() && Math.abs(s.mean() - reference.mean()) <= NEAR_REFERENCE;
            boolean isChance = Math.abs(s.mean() - header.chance()) <= NEAR_CHANCE;
            String item = mode + " BN (" + fixed(s.mean(), 3) + ")";
            if (isNear) {
                near.add(item);
            }
            if (isChance) {
                chance.add(item);
            }
            if (!isNear && !isChance) {
                neither.add(item);
            }
        }
        StringJoiner parts = new StringJoiner("; ");
        if (reference.measured()) {
            parts.add("within " + points(NEAR_REFERENCE) + " of the reference (" + fixed(reference.mean(), 3) + "): "
                    + list(near));
        }
        parts.add("near chance (within " + fixed(NEAR_CHANCE, 2) + " of " + fixed(header.chance(), 2) + "): "
                + list(chance));
        if (!neither.isEmpty()) {
            parts.add((reference.measured() ? "neither: " : "not near chance: ") + String.join(", ", neither));
        }
        if (near.isEmpty() && chance.isEmpty() && neither.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("At " + examples(b) + " per worker, " + parts + ".");
    }

    private static Optional<String> trainInferenceGap(List<CellResult> rows, int b, List<String> modes) {
        StringJoiner items = new StringJoiner(", ");
        boolean any = false;
        for (String mode : modes) {
            // The gap is taken over the seeds that measured both accuracies, so that it compares like with like.
            List<CellResult> both = StudyGroups.cells(rows, mode, b).stream().filter(r -> Double.isFinite(
                    r.testAccuracyRunning()) && Double.isFinite(r.testAccuracyBatch())).toList();
            if (both.isEmpty()) {
                continue;
            }
            double running = StudyGroups.summarize(both, CellResult::testAccuracyRunning).mean();
            double batch = StudyGroups.summarize(both, CellResult::testAccuracyBatch).mean();
            items.add(mode + " BN " + String.format(Locale.ROOT, "%+.3f", batch - running) + " (" + fixed(batch, 3)
                    + " with batch statistics against " + fixed(running, 3) + " with running statistics)");
            any = true;
        }
        if (!any) {
            return Optional.empty();
        }
        return Optional.of("Train/inference gap at " + examples(b) + " per worker (test accuracy with "
                + "batch statistics of b examples, as in training, minus test accuracy with running statistics): "
                + items + ".");
    }

    private static Optional<String> divergenceTrend(List<CellResult> rows, List<Integer> batches,
            List<String> modes) {
        StringJoiner perMode = new StringJoiner("; ");
        for (String mode : modes) {
            StringJoiner values = new StringJoiner(", ");
            List<double[]> finite = new ArrayList<>();
            for (int b : batches) {
                Summary s = StudyGroups.summarize(StudyGroups.cells(rows, mode, b), CellResult::meanDivergence);
                if (s.measured()) {
                    values.add(significant(s.mean()) + " at b=" + b);
                    finite.add(new double[] {b, s.mean()});
                }
            }
            if (!finite.isEmpty()) {
                perMode.add(mode + " BN " + values + " (" + trend(finite) + ")");
            }
        }
        if (perMode.length() == 0) {
            return Optional.empty();
        }
        return Optional.of("Divergence of the workers' statistics from the global batch's (mean over "
                + "layers and seeds of |μ_local − μ_global| / σ_global) as the per-worker batch grows: " + perMode
                + ".");
    }

    /** Whether each value is below the one before, stated with the first pair that breaks it. */
    private static String trend(List<double[]> points) {
        if (points.size() < 2) {
            return "one per-worker batch measured: no trend";
        }
        for (int i = 1; i < points.size(); i++) {
            if (!(points.get(i)[1] < points.get(i - 1)[1])) {
                return "does not fall monotonically: " + significant(points.get(i - 1)[1]) + " at b="
                        + (int) points.get(i - 1)[0] + ", then " + significant(points.get(i)[1]) + " at b="
                        + (int) points.get(i)[0];
            }
        }
        return "falls monotonically";
    }

    private static String workers(List<CellResult> rows, int b) {
        List<Integer> n = rows.stream().filter(r -> !r.reference() && r.cell().perWorkerBatch() == b)
                .map(CellResult::workers).distinct().sorted().toList();
        return n.size() == 1 ? n.get(0) + (n.get(0) == 1 ? " worker" : " workers") : "workers " + n;
    }

    private static String accuracy(Summary s) {
        return s.n() == 1 ? fixed(s.mean(), 3) + " (one seed)"
                : fixed(s.mean(), 3) + " ± " + fixed(s.sd(), 3) + " (" + s.n() + " seeds)";
    }

    private static String examples(int b) {
        return b == 1 ? "1 example" : b + " examples";
    }

    private static String points(double delta) {
        return Math.round(delta * 100) + " points (" + fixed(delta, 2) + ")";
    }

    private static String list(List<String> items) {
        return items.isEmpty() ? "none" : String.join(", ", items);
    }

    /** {@code digits} decimals. */
    static String fixed(double v, int digits) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    /** Three significant digits, in plain notation for ordinary magnitudes. */
    static String significant(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v == 0 || Double.isInfinite(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        double magnitude = Math.abs(v);
        if (magnitude >= 1e-4 && magnitude < 1e6) {
            BigDecimal rounded = new BigDecimal(v).round(new MathContext(3));
            // floor(log10 |rounded|): rounding may have carried to the next power of ten (0.9996 -> 1.00).
            int exponent = rounded.precision() - rounded.scale() - 1;
            return rounded.setScale(Math.max(0, 2 - exponent)).toPlainString();
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
