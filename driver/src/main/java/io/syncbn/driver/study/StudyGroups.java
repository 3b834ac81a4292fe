package io.syncbn.driver.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * How the charts and the findings group a study's rows: the reference rows apart, the other rows by
 * BN mode and per-worker batch, each group summarized over its seeds. Values that are not finite
 * (NaN: not measured) are left out of a summary.
 */
final class StudyGroups {

    /**
     * Mean and sample standard deviation of one measure over the seeds of a group.
     *
     * @param mean the mean of the finite values (NaN if there is none)
     * @param sd the sample standard deviation (n − 1); NaN with fewer than two values
     * @param n how many finite values there were
     */
    record Summary(double mean, double sd, int n) {

        /** Whether at least one value was measured. */
        boolean measured() {
            return n > 0;
        }
    }

    private StudyGroups() {
    }

    /** Summarizes {@code value} over {@code rows}, leaving out values that are not finite. */
    static Summary summarize(List<CellResult> rows, ToDoubleFunction<CellResult> value) {
        List<Double> finite = new ArrayList<>();
        for (CellResult r : rows) {
            double v = value.applyAsDouble(r);
            if (Double.isFinite(v)) {
                finite.add(v);
            }
        }
        int n = finite.size();
        if (n == 0) {
            return new Summary(Double.NaN, Double.NaN, 0);
        }
        double sum = 0;
        for (double v : finite) {
            sum += v;
        }
        double mean = sum / n;
        if (n == 1) {
            return new Summary(mean, Double.NaN, 1);
        }
        double squares = 0;
        for (double v : finite) {
            squares += (v - mean) * (v - mean);
        }
        return new Summary(mean, Math.sqrt(squares / (n - 1)), n);
    }

    /** The reference rows: one worker holding the whole global batch. */
    static List<CellResult> references(List<CellResult> rows) {
        return rows.stream().filter(CellResult::reference).toList();
    }

    /** The non-reference rows of one mode and per-worker batch. */
    static List<CellResult> cells(List<CellResult> rows, String mode, int perWorkerBatch) {
        return rows.stream().filter(r -> !r.reference() && r.cell().bn().equals(mode)
                && r.cell().perWorkerBatch() == perWorkerBatch).toList();
    }

    /** The per-worker batches of the non-reference rows, increasing. */
    static List<Integer> batches(List<CellResult> rows) {
        Set<Integer> b = new TreeSet<>();
        rows.stream().filter(r -> !r.reference()).forEach(r -> b.add(r.cell().perWorkerBatch()));
        return List.copyOf(b);
    }

    /** The per-worker batches of all rows, the reference's included, increasing. */
    static List<Integer> allBatches(List<CellResult> rows) {
        Set<Integer> b = new TreeSet<>();
        rows.forEach(r -> b.add(r.cell().perWorkerBatch()));
        return List.copyOf(b);
    }

    /**
     * The BN modes of the non-reference rows: first those of {@code preferred} in its order, then the
     * others as sync, group:K by increasing K, ghost:V by increasing V, renorm, local.
     */
    static List<String> modes(List<CellResult> rows, List<String> preferred) {
        Set<String> present = new TreeSet<>(Comparator.comparingInt(StudyGroups::rank).thenComparing(m -> m));
        rows.stream().filter(r -> !r.reference()).forEach(r -> present.add(r.cell().bn()));
        Set<String> ordered = new LinkedHashSet<>();
        preferred.stream().filter(present::contains).forEach(ordered::add);
        ordered.addAll(present);
        return List.copyOf(ordered);
    }

    /** The names of the BN layers over all rows, in order of first appearance. */
    static List<String> layers(List<CellResult> rows) {
        Set<String> names = new LinkedHashSet<>();
        rows.forEach(r -> names.addAll(r.layers()));
        return List.copyOf(names);
    }

    /** The value of a per-layer measure for the layer named {@code layer}, NaN if the row lacks it. */
    static double layerValue(CellResult r, double[] values, String layer) {
        int i = r.layers().indexOf(layer);
        return i < 0 ? Double.NaN : values[i];
    }

    private static int rank(String mode) {
        if (mode.equals("sync")) {
            return 0;
        }
        if (mode.equals("local")) {
            return Integer.MAX_VALUE;
        }
        if (mode.equals(StudyConfig.RENORM)) {
            return Integer.MAX_VALUE - 3;
        }
        if (mode.startsWith("ghost:")) {
            String v = mode.substring("ghost:".length());
            return v.length() > 8 ? Integer.MAX_VALUE - 2 : 1_000_000_000 + Integer.parseInt(v);
        }
        String k = mode.substring("group:".length());
        // StudyCell admits any digit string; a K beyond int sorts just before local.
        return k.length() > 9 ? Integer.MAX_VALUE - 1 : Integer.parseInt(k);
    }
}
