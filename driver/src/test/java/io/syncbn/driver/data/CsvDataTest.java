package io.syncbn.driver.data;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * CSV tables: with and without a header (detected or forced), the label column last, first or by
 * index, the deterministic hold-out split; every refusal names the file, line and column. Cases of
 * {@link #refusals}: NaN, infinity, a word, a float overflow, a row too short, a fractional or
 * negative label, a label beyond {@code classes}, a header read as data, a single class, no rows,
 * too few rows to hold any out, a label column outside the row, a missing file.
 */
class CsvDataTest {

    private static final double EXACT = 0.0;

    @TempDir
    Path dir;

    @Test
    void headerIsDetectedAndRowsAreSplitDeterministically() throws IOException {
        Path file = write(headed("sepal,petal,class", rows(20)));
        DataSource data = DataSources.open("csv:" + file);
        DataSource again = DataSources.open("csv:" + file);
        assertAll(
                () -> assertEquals(List.of(2), data.featureShape()),
                () -> assertEquals(3, data.classes(), "largest label + 1"),
                () -> assertEquals(16, data.trainCount(), "80% of 20 rows"),
                () -> assertEquals(4, data.testCount(), "20% of 20 rows"),
                () -> assertEquals(data.train(), again.train(), "same split twice"),
                () -> assertEquals(data.test(), again.test(), "same split twice"));
        assertEveryRowOnceInFileOrder(data, 20);
    }

    @Test
    void headerlessTableIsAllData() throws IOException {
        Path file = write(rows(10));
        DataSource data = DataSources.open("csv:" + file + "?test=0.3");
        assertAll(
                () -> assertEquals(7, data.trainCount()),
                () -> assertEquals(3, data.testCount()));
        assertEveryRowOnceInFileOrder(data, 10);
    }

    @Test
    void headerCanBeForcedEitherWay() throws IOException {
        Path numericHeader = write(headed("1,2,0", rows(10)));
        DataSource forced = DataSources.open("csv:" + numericHeader + "?header=true&test=0.5");
        DataSource auto = DataSources.open("csv:" + numericHeader + "?test=0.5");
        assertAll(
                () -> assertEquals(10, forced.trainCount() + forced.testCount(), "numeric first line skipped"),
                () -> assertEquals(11, auto.trainCount() + auto.testCount(), "numeric first line is data"));
    }

    @Test
    void labelColumnCanBeFirstOrAnIndex() throws IOException {
        Path first = write("label,a,b", "2,0.5,1.5", "0,2.5,3.5", "1,4.5,5.5", "1,6.5,7.5");
        Path middle = write("a,label,b", "0.5,2,1.5", "2.5,0,3.5", "4.5,1,5.5", "6.5,1,7.5");
        DataSource a = DataSources.open("csv:" + first + "?label=first&test=0.25&seed=3");
        DataSource b = DataSources.open("csv:" + middle + "?label=1&test=0.25&seed=3");
        assertAll(
                () -> assertEquals(a.train(), b.train(), "same table, label in another column"),
                () -> assertEquals(a.test(), b.test()),
                () -> assertEquals(3, a.classes()));
    }

    @Test
    void seedAndFractionChangeTheSplit() throws IOException {
        Path file = write(rows(50));
        DataSource one = DataSources.open("csv:" + file + "?seed=1");
        DataSource two = DataSources.open("csv:" + file + "?seed=2");
        assertAll(
                () -> assertNotEquals(one.test(), two.test(), "seeds 1 and 2"),
                () -> assertEquals(10, one.testCount()),
                () -> assertEquals(25, DataSources.open("csv:" + file + "?test=0.5").testCount()));
    }

    @Test
    void blankLinesAndSpacesAreIgnoredAndClassesCanBeGiven() throws IOException {
        Path file = write("", " 1.0 , 2.0 , 1", "", "3.0,4.0,0", "5,6,1", "7,8,0", "");
        DataSource data = DataSources.open("csv:" + file + "?classes=4&test=0.25");
        assertAll(
                () -> assertEquals(4, data.classes(), "classes=4 although the largest label is 1"),
                () -> assertEquals(3, data.trainCount()),
                () -> assertArrayEquals(new long[] {3, 4}, data.train().getLabels().shape()));
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("", List.of("a,b,y", "1,2,0", "3,NaN,1"),
                        "line 3, column 2: NaN is not allowed: features must be finite numbers; replace the value "
                                + "(e.g. impute a missing one) or remove line 3"),
                Arguments.of("", List.of("1,2,0", "-Infinity,4,1"),
                        "line 2, column 1: -Infinity is not allowed: features must be finite numbers; replace the "
                                + "value (e.g. impute a missing one) or remove line 2"),
                Arguments.of("", List.of("a,b,y", "1,2,0", "3,four,1"),
                        "line 3, column 2: \"four\" is not a number"),
                Arguments.of("", List.of("1,2,0", "3,1e39,1"),
                        "line 2, column 2: 1e39 is outside the float range (about ±3.4e38); rescale column 2"),
                Arguments.of("", List.of("a,b,y", "1,2,0", "", "3,1"),
                        "line 4: expected 3 columns (as on line 1), but got 2; every row needs the same columns: "
                                + "complete or remove line 4 (quoted fields are not supported)"),
                Arguments.of("", List.of("1,2,0", "3,4,1.5"),
                        "line 2, column 3 (label): 1.5 is not a class label: labels must be integers 0, 1, 2, ...; "
                                + "number the classes from 0, or name the label column with ?label=N"),
                Arguments.of("", List.of("1,2,0", "3,4,-1"),
                        "line 2, column 3 (label): -1 is not a class label: labels must be integers 0, 1, 2, ...; "
                                + "number the classes from 0, or name the label column with ?label=N"),
                Arguments.of("?classes=2", List.of("1,2,0", "3,4,2"),
                        "line 2, column 3 (label): label 2 is out of range [0, 2) set by classes=2; correct the "
                                + "label, or give classes=3 or more in the data spec"),
                Arguments.of("", List.of("1,2,0", "3,4,10000"),
                        "line 2, column 3 (label): label 10000 is larger than 9999, the largest accepted; labels "
                                + "must be 0 .. classes-1: number the classes from 0"),
                Arguments.of("?header=false", List.of("a,b,y", "1,2,0"),
                        "line 1, column 1: \"a\" is not a number"),
                Arguments.of("", List.of("1,2,0", "3,4,0"),
                        ": every label is 0, but a classifier needs at least 2 classes (labels 0 .. classes-1)"),
                Arguments.of("", List.of("a,b,y", ""),
                        ": no data rows after the header on line 1; a table needs at least one row of features and "
                                + "a label"),
                Arguments.of("", List.of(),
                        ": no data rows; a table needs at least one row of features and a label"),
                Arguments.of("", List.of("7", "8"),
                        " line 1: a row needs at least 2 columns (features and a label), but has 1; columns are "
                                + "separated by commas"),
                Arguments.of("?label=3", List.of("1,2,0"),
                        " line 1: the label column 3 (counting from 0) is outside the row's 3 columns"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("refusals")
    void refusals(String options, List<String> lines, String expectedAfterFileName) throws IOException {
        Path file = write(lines.toArray(String[]::new));
        DataException e = assertThrows(DataException.class, () -> DataSources.open("csv:" + file + options));
        String expected = file + (expectedAfterFileName.startsWith("line") ? " " : "") + expectedAfterFileName;
        assertEquals(expected, e.getMessage());
    }

    @Test
    void tooFewRowsToHoldAnyOutAndMissingFileAreRefused() throws IOException {
        Path file = write("1,2,0", "3,4,1");
        Path missing = dir.resolve("missing.csv");
        assertAll(
                () -> assertEquals("csv:" + file + ": holding out a fraction 0.2 of 2 rows leaves 0 test and 2 "
                        + "training rows; both need at least 1 (change the test option or use more rows)",
                        assertThrows(DataException.class, () -> DataSources.open("csv:" + file)).getMessage()),
                () -> assertEquals(missing + ": no such file",
                        assertThrows(DataException.class, () -> DataSources.open("csv:" + missing)).getMessage()));
    }

    /** Rows {@code i}: features {@code (i, 10i + 0.5)}, label {@code i mod 3}. */
    private static String[] rows(int n) {
        String[] rows = new String[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i + "," + (10 * i + 0.5) + "," + (i % 3);
        }
        return rows;
    }

    /** Both parts together hold each row of {@link #rows} exactly once, each part in file order. */
    private static void assertEveryRowOnceInFileOrder(DataSource data, int n) {
        Set<Integer> seen = new HashSet<>();
        List<Executable> checks = new ArrayList<>();
        for (DataSet part : List.of(data.train(), data.test())) {
            INDArray x = part.getFeatures();
            INDArray y = part.getLabels();
            int previous = -1;
            for (int r = 0; r < x.rows(); r++) {
                int i = (int) x.getDouble(r, 0);
                int row = r;
                int before = previous;
                checks.add(() -> assertEquals(10 * i + 0.5, x.getDouble(row, 1), EXACT, "row " + i + ": feature 2"));
                checks.add(() -> assertEquals(1.0, y.getDouble(row, i % 3), EXACT, "row " + i + ": label"));
                checks.add(() -> assertTrue(i > before, "row " + i + " after row " + before));
                checks.add(() -> assertTrue(seen.add(i), "row " + i + " appears once"));
                previous = i;
            }
        }
        assertAll(checks.stream());
        assertEquals(n, seen.size(), "rows in train and test");
    }

    /** {@code header} followed by {@code rows}. */
    private static String[] headed(String header, String[] rows) {
        return Stream.concat(Stream.of(header), Stream.of(rows)).toArray(String[]::new);
    }

    private Path write(String... lines) throws IOException {
        Path file = Files.createTempFile(dir, "table", ".csv");
        Files.write(file, List.of(lines));
        return file;
    }
}
