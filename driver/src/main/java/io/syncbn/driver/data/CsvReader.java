package io.syncbn.driver.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a comma-separated table of numeric features and one integer label column. Blank lines are
 * skipped; every other line must have the column count of the first. A first line with a field that
 * is not a number is a header in {@link Header#AUTO} mode. Features must be finite and within the
 * float range; labels must be integers {@code 0 .. classes-1}. Quoted fields are not supported.
 */
final class CsvReader {

    /** Whether the first non-blank line is a header. */
    enum Header {
        /** A header if any of its fields is not a number. */
        AUTO,
        /** Always a header. */
        PRESENT,
        /** Never a header: the first line is data. */
        ABSENT
    }

    /** The label column given as "the last one". */
    static final int LAST_COLUMN = -1;

    /** Largest label accepted when the number of classes is inferred (it sizes the one-hot labels). */
    static final int MAX_LABEL = 9999;

    /**
     * The rows of a table.
     *
     * @param features row-major {@code rows × featureCount}
     * @param labels one per row
     * @param classes the given number of classes, or the largest label + 1
     */
    record Table(float[] features, int[] labels, int featureCount, int classes) {

        /** Number of data rows. */
        int rows() {
            return labels.length;
        }
    }

    private CsvReader() {
    }

    /**
     * Reads {@code file}.
     *
     * @param labelColumn 0-based column of the label, or {@link #LAST_COLUMN}
     * @param classes the number of classes, or 0 to infer it from the largest label
     * @throws DataException for a missing file, a row of the wrong width, a field that is not a finite
     *     number, a label that is not an integer in range, no data rows, or fewer than 2 classes
     */
    static Table read(Path file, int labelColumn, Header header, int classes) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new Parse(file, labelColumn, header, classes).read(reader);
        } catch (IOException e) {
            throw new DataException(file + ": cannot be read: " + e, e);
        }
    }

    /** The state of one pass over a file. */
    private static final class Parse {
        private final Path file;
        private final int requestedLabel;
        private final Header header;
        private final int classes;
        private float[] features = new float[1024];
        private int[] labels = new int[64];
        private int rows;
        private int columns = -1;
        private int labelColumn;
        private int firstLine;
        private int maxLabel = -1;

        Parse(Path file, int requestedLabel, Header header, int classes) {
            this.file = file;
            this.requestedLabel = requestedLabel;
            this.header = header;
            this.classes = classes;
        }

        Table read(BufferedReader reader) throws IOException {
            int lineNumber = 0;
            boolean hasHeader = false;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(",", -1);
                if (columns < 0) {
                    start(fields, lineNumber);
                    hasHeader = header == Header.PRESENT || (header == Header.AUTO && !allNumbers(fields));
                    if (hasHeader) {
                        continue;
                    }
                }
                if (fields.length != columns) {
                    throw new DataException(file + " line " + lineNumber + ": expected " + columns + " columns (as on"
                            + " line " + firstLine + "), but got " + fields.length + "; every row needs the same "
                            + "columns: complete or remove line " + lineNumber + " (quoted fields are not supported)");
                }
                addRow(fields, lineNumber);
            }
            if (rows == 0) {
                throw new DataException(file + ": no data rows" + (hasHeader ? " after the header on line "
                        + firstLine : "") + "; a table needs at least one row of features and a label");
            }
            int numClasses = classes > 0 ? classes : maxLabel + 1;
            if (numClasses < 2) {
                throw new DataException(file + ": every label is 0, but a classifier needs at least 2 classes "
                        + "(labels 0 .. classes-1)");
            }
            int featureCount = columns - 1;
            return new Table(Arrays.copyOf(features, rows * featureCount), Arrays.copyOf(labels, rows),
                    featureCount, numClasses);
        }

        private void start(String[] fields, int lineNumber) {
            columns = fields.length;
            firstLine = lineNumber;
            if (columns < 2) {
                throw new DataException(file + " line " + lineNumber + ": a row needs at least 2 columns (features and"
                        + " a label), but has " + columns + "; columns are separated by commas");
            }
            labelColumn = requestedLabel == LAST_COLUMN ? columns - 1 : requestedLabel;
            if (labelColumn >= columns) {
                throw new DataException(file + " line " + lineNumber + ": the label column " + labelColumn
                        + " (counting from 0) is outside the row's " + columns + " columns");
            }
        }

        private void addRow(String[] fields, int lineNumber) {
            int featureCount = columns - 1;
            if ((long) (rows + 1) * featureCount > Integer.MAX_VALUE - 8) {
                throw new DataException(file + " line " + lineNumber + ": more than " + (Integer.MAX_VALUE - 8)
                        + " feature values, more than one array can hold");
            }
            if ((rows + 1) * featureCount > features.length) {
                features = Arrays.copyOf(features, (int) Math.min(Integer.MAX_VALUE - 8,
                        Math.max(2L * features.length, (long) (rows + 1) * featureCount)));
            }
            if (rows == labels.length) {
                labels = Arrays.copyOf(labels, 2 * labels.length);
            }
            int at = rows * featureCount;
            for (int c = 0; c < columns; c++) {
                if (c == labelColumn) {
                    labels[rows] = label(fields[c].strip(), lineNumber, c);
                } else {
                    features[at++] = feature(fields[c].strip(), lineNumber, c);
                }
            }
            rows++;
        }

        private float feature(String field, int lineNumber, int column) {
            double value = number(field, lineNumber, column, "");
            if (!Double.isFinite(value)) {
                throw new DataException(where(lineNumber, column, "") + field + " is not allowed: features must be "
                        + "finite numbers; replace the value (e.g. impute a missing one) or remove line " + lineNumber);
            }
            float narrowed = (float) value;
            if (Float.isInfinite(narrowed)) {
                throw new DataException(where(lineNumber, column, "") + field + " is outside the float range (about "
                        + "±3.4e38); rescale column " + (column + 1));
            }
            return narrowed;
        }

        private int label(String field, int lineNumber, int column) {
            double value = number(field, lineNumber, column, " (label)");
            if (!(value >= 0) || value != Math.rint(value) || Double.isInfinite(value)) {
                throw new DataException(where(lineNumber, column, " (label)") + field + " is not a class label: "
                        + "labels must be integers 0, 1, 2, ...; number the classes from 0, or name the label column "
                        + "with ?label=N");
            }
            if (classes > 0 && value >= classes) {
                throw new DataException(where(lineNumber, column, " (label)") + "label " + field + " is out of "
                        + "range [0, " + classes + ") set by classes=" + classes + "; correct the label"
                        + (value < MAX_LABEL ? ", or give classes=" + ((int) value + 1) + " or more in the data spec"
                        : ""));
            }
            if (classes == 0 && value > MAX_LABEL) {
                throw new DataException(where(lineNumber, column, " (label)") + "label " + field + " is larger than "
                        + MAX_LABEL + ", the largest accepted; labels must be 0 .. classes-1: number the classes "
                        + "from 0");
            }
            maxLabel = Math.max(maxLabel, (int) value);
            return (int) value;
        }

        private double number(String field, int lineNumber, int column, String role) {
            try {
                return Double.parseDouble(field);
            } catch (NumberFormatException e) {
                throw new DataException(where(lineNumber, column, role) + "\"" + field + "\" is not a number", e);
            }
        }

        private String where(int lineNumber, int column, String role) {
            return file + " line " + lineNumber + ", column " + (column + 1) + role + ": ";
        }

        private static boolean allNumbers(String[] fields) {
            for (String field : fields) {
                try {
                    Double.parseDouble(field.strip());
                } catch (NumberFormatException e) {
                    return false;
                }
            }
            return true;
        }
    }
}
