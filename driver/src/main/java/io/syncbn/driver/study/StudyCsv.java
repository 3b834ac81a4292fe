package io.syncbn.driver.study;

import io.syncbn.driver.run.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * The study's bookkeeping file, {@code study.csv}: a header row, then one row per finished cell
 * ({@link CellResult}), at most one row per cell identity ({@link StudyCell}).
 *
 * <p>Format: comma-separated, UTF-8, one {@code \n} after every row, no quoting. Doubles are written
 * with {@link Double#toString(double)}, so reading gives back the same bits; NaN is an empty field.
 * Per-layer values (and the layer names) are {@code ;}-joined in layer order. The columns
 * {@code div_mean}, {@code div_logvar}, {@code gap_mean} and {@code gap_logvar} are the means over
 * layers of the per-layer columns; the reader checks that they are. The committed
 * {@code golden-study.csv} test resource fixes the format.
 *
 * <p>The file is replaced atomically ({@link AtomicFiles}): a study killed while writing leaves the
 * previous complete file.
 */
public final class StudyCsv {

    /** The columns, in order. */
    public static final List<String> COLUMNS = List.of("cell", "per_worker_batch", "bn", "seed", "workers",
            "global_batch", "epochs", "reference", "test_acc_running", "test_acc_batch", "test_loss",
            "final_train_loss", "div_mean", "div_logvar", "gap_mean", "gap_logvar", "layers", "div_mean_layers",
            "div_logvar_layers", "gap_mean_layers", "gap_logvar_layers", "seconds");

    private static final String HEADER = String.join(",", COLUMNS);
    /** What {@link Double#toString(double)} writes for a non-NaN value. */
    private static final Pattern DOUBLE = Pattern.compile("-?(Infinity|[0-9]+\\.[0-9]+(E-?[0-9]+)?)");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
    /** Characters a layer name cannot hold: they separate fields, list elements or rows. */
    private static final Pattern LAYER_SEPARATORS = Pattern.compile("[,;\"\\r\\n]");

    private StudyCsv() {
    }

    /**
     * Replaces {@code file} with a header and one row per result, in the given order.
     *
     * @throws IllegalArgumentException if two rows have the same cell identity, or a layer name is
     *     empty or holds {@code , ; "} or a line break
     * @throws IOException if the file cannot be written (it is then unchanged)
     */
    public static void write(Path file, List<CellResult> rows) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        Map<StudyCell, Integer> seen = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            CellResult r = rows.get(i);
            Integer before = seen.putIfAbsent(r.cell(), i);
            if (before != null) {
                throw new IllegalArgumentException("rows " + before + " and " + i + " have the same cell identity "
                        + r.cell().id() + "; a study holds each cell once");
            }
            text.append(format(r)).append('\n');
        }
        AtomicFiles.writeString(file, text.toString());
    }

    /**
     * Reads the rows of {@code file}, in file order.
     *
     * @return the rows; an empty list if the file does not exist
     * @throws IOException if the file cannot be read or breaks the format; the message names the
     *     file, the line, the column and the rule
     */
    public static List<CellResult> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new ArrayList<>();
        }
        if (lines.isEmpty()) {
            throw new IOException(file + " line 1: the header must be \"" + HEADER + "\", but the file is empty");
        }
        if (!lines.get(0).equals(HEADER)) {
            throw new IOException(file + " line 1: the header must be exactly \"" + HEADER + "\", but found \""
                    + lines.get(0) + "\"");
        }
        List<CellResult> rows = new ArrayList<>();
        Map<StudyCell, Integer> seen = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            CellResult r = new RowParser(file, i + 1, lines.get(i)).parse();
            Integer before = seen.putIfAbsent(r.cell(), i + 1);
            if (before != null) {
                throw new IOException(file + " line " + (i + 1) + ": cell " + r.cell().id()
                        + " already appears on line " + before + "; a study holds each cell once");
            }
            rows.add(r);
        }
        return rows;
    }

    /**
     * Adds {@code row} to {@code file}, replacing the row with the same cell identity if there is one
     * (in place), so that a resumed study never holds a cell twice.
     *
     * @throws IOException if the file breaks the format or cannot be written
     */
    public static void append(Path file, CellResult row) throws IOException {
        List<CellResult> rows = read(file);
        int at = -1;
        for (int i = 0; i < rows.size() && at < 0; i++) {
            if (rows.get(i).cell().equals(row.cell())) {
                at = i;
            }
        }
        if (at >= 0) {
            rows.set(at, row);
        } else {
            rows.add(row);
        }
        write(file, rows);
    }

    /** The mean over layers, as {@code study.csv} writes it (NaN propagates; no layer gives NaN). */
    static double layerMean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? Double.NaN : sum / values.length;
    }

    private static String format(CellResult r) {
        for (String layer : r.layers()) {
            if (layer.isEmpty() || LAYER_SEPARATORS.matcher(layer).find()) {
                throw new IllegalArgumentException("layer names must be non-empty and hold none of , ; \" or a line "
                        + "break, but cell " + r.cell().id() + " has layer \"" + layer + "\"");
            }
        }
        StringJoiner row = new StringJoiner(",");
        row.add(r.cell().id()).add(Integer.toString(r.cell().perWorkerBatch())).add(r.cell().bn())
                .add(Long.toString(r.cell().seed())).add(Integer.toString(r.workers()))
                .add(Integer.toString(r.globalBatch())).add(Integer.toString(r.epochs()))
                .add(Boolean.toString(r.reference())).add(text(r.testAccuracyRunning()))
                .add(text(r.testAccuracyBatch())).add(text(r.testLoss())).add(text(r.finalTrainLoss()))
                .add(text(r.meanDivergence())).add(text(r.meanLogVarDivergence()))
                .add(text(layerMean(r.runningGapMean()))).add(text(layerMean(r.runningGapLogVar())))
                .add(String.join(";", r.layers())).add(numbers(r.divergenceMean())).add(numbers(r.divergenceLogVar()))
                .add(numbers(r.runningGapMean())).add(numbers(r.runningGapLogVar())).add(text(r.seconds()));
        return row.toString();
    }

    private static String text(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static String numbers(double[] values) {
        StringJoiner j = new StringJoiner(";");
        for (double v : values) {
            j.add(text(v));
        }
        return j.toString();
    }

    /** Parses one data row; every failure names the file, the line, the column and the rule. */
    private static final class RowParser {
        private final Path file;
        private final int line;
        private final String[] fields;

        RowParser(Path file, int line, String text) throws IOException {
            this.file = file;
            this.line = line;
            this.fields = text.split(",", -1);
            if (fields.length != COLUMNS.size()) {
                throw new IOException(file + " line " + line + ": a row must have " + COLUMNS.size()
                        + " comma-separated fields, one per header column, but has " + fields.length);
            }
        }

        CellResult parse() throws IOException {
            int perWorkerBatch = integer(1);
            if (perWorkerBatch < 1) {
                throw error(1, "must be at least 1, but is " + perWorkerBatch);
            }
            long seed = longValue(3);
            StudyCell cell;
            try {
                cell = new StudyCell(perWorkerBatch, fields[2], seed);
            } catch (IllegalArgumentException e) {
                throw error(2, e.getMessage());
            }
            if (!fields[0].equals(cell.id())) {
                throw error(0, "must be the id of per_worker_batch, bn and seed, \"" + cell.id() + "\", but is \""
                        + fields[0] + "\"");
            }
            String layerText = fields[16];
            List<String> layers = layerText.isEmpty() ? List.of() : List.of(layerText.split(";", -1));
            double[][] perLayer = new double[4][];
            for (int k = 0; k < 4; k++) {
                perLayer[k] = list(17 + k, layers.size());
            }
            CellResult r;
            try {
                r = new CellResult(cell, integer(4), integer(5), integer(6), bool(7), number(8), number(9),
                        number(10), number(11), layers, perLayer[0], perLayer[1], perLayer[2], perLayer[3], number(21));
            } catch (IllegalArgumentException e) {
                throw error(16, e.getMessage());
            }
            checkMean(12, r.meanDivergence(), 17);
            checkMean(13, r.meanLogVarDivergence(), 18);
            checkMean(14, layerMean(r.runningGapMean()), 19);
            checkMean(15, layerMean(r.runningGapLogVar()), 20);
            return r;
        }

        private void checkMean(int column, double expected, int listColumn) throws IOException {
            double found = number(column);
            if (Double.doubleToLongBits(found) != Double.doubleToLongBits(expected)) {
                throw error(column, "must be the mean over layers of " + COLUMNS.get(listColumn) + ", "
                        + text(expected) + ", but is \"" + fields[column] + "\"");
            }
        }

        private int integer(int column) throws IOException {
            long v = longValue(column);
            if (v != (int) v) {
                throw error(column, "must be an integer in the int range, but is \"" + fields[column] + "\"");
            }
            return (int) v;
        }

        private long longValue(int column) throws IOException {
            String f = fields[column];
            if (!INTEGER.matcher(f).matches()) {
                throw error(column, "must be an integer, but is \"" + f + "\"");
            }
            try {
                return Long.parseLong(f);
            } catch (NumberFormatException e) {
                throw error(column, "must be an integer in the long range, but is \"" + f + "\"");
            }
        }

        private boolean bool(int column) throws IOException {
            String f = fields[column];
            if (!f.equals("true") && !f.equals("false")) {
                throw error(column, "must be true or false, but is \"" + f + "\"");
            }
            return f.equals("true");
        }

        private double number(int column) throws IOException {
            return parseDouble(column, fields[column]);
        }

        private double parseDouble(int column, String f) throws IOException {
            if (f.isEmpty()) {
                return Double.NaN;
            }
            if (!DOUBLE.matcher(f).matches()) {
                throw error(column, "must be a number as Double.toString writes it (NaN as an empty field), but is \""
                        + f + "\"");
            }
            return Double.parseDouble(f);
        }

        private double[] list(int column, int layers) throws IOException {
            String f = fields[column];
            if (layers == 0) {
                if (!f.isEmpty()) {
                    throw error(column, "must be empty when there is no layer, but is \"" + f + "\"");
                }
                return new double[0];
            }
            String[] parts = f.split(";", -1);
            if (parts.length != layers) {
                throw error(column, "must hold one ;-separated value per layer (" + layers + "), but holds "
                        + parts.length + ": \"" + f + "\"");
            }
            double[] values = new double[layers];
            for (int i = 0; i < layers; i++) {
                values[i] = parseDouble(column, parts[i]);
            }
            return values;
        }

        private IOException error(int column, String rule) {
            return new IOException(file + " line " + line + ", column " + (column + 1) + " (" + COLUMNS.get(column)
                    + "): " + rule);
        }
    }
}
