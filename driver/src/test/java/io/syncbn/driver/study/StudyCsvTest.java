package io.syncbn.driver.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code study.csv}: rows come back bit for bit (NaN, signed zero, infinities, exponents, no layer,
 * the reference); {@code append} replaces the row of the same cell in place; the committed golden
 * file is what the writer writes and reads back as its rows; and malformed files are refused with the
 * file, line, column and rule named. Malformed cases ({@link #malformed}): wrong header, empty file,
 * wrong field count, text in a number, a literal NaN, b = 0, an unknown BN mode, a cell id that does
 * not match its columns, a non-boolean reference, a per-layer list of the wrong length, a summary
 * column that is not the mean of its layers, a fractional integer, and a cell that appears twice.
 */
class StudyCsvTest {

    private static final String GOLDEN = "golden-study.csv";

    @TempDir
    Path dir;

    /** The rows of the committed golden file. */
    static List<CellResult> goldenRows() {
        List<String> layers = List.of("bn1", "bn2");
        double nan = Double.NaN;
        return List.of(
                new CellResult(new StudyCell(1, "local", 1), 32, 32, 2, false, 0.125, 0.6875, 2.25, 0.5, layers,
                        new double[] {1.5, 0.5}, new double[] {0.25, 0.75}, new double[] {0.125, nan},
                        new double[] {0.0, 2.0}, 12.5),
                new CellResult(new StudyCell(4, "group:4", 7), 8, 32, 2, false, 0.75, nan, 0.5, 0.25, layers,
                        new double[] {0.1, 0.1}, new double[] {0.2, 0.2}, new double[] {0.3, 0.3},
                        new double[] {0.4, 0.4}, 1e7),
                new CellResult(new StudyCell(2, "sync", -3), 16, 32, 2, false, nan, nan, nan, nan, List.of(),
                        new double[0], new double[0], new double[0], new double[0], nan),
                new CellResult(new StudyCell(32, "sync", 1), 1, 32, 2, true, 0.8125, 0.8125, 0.625, 0.375, layers,
                        new double[] {0.0, 0.0}, new double[] {0.0, 0.0}, new double[] {0.015625, 0.015625},
                        new double[] {0.03125, 0.03125}, 1e-5));
    }

    @Test
    void theWriterWritesTheGoldenFileByteForByte() throws IOException {
        Path file = dir.resolve("study.csv");
        StudyCsv.write(file, goldenRows());
        assertArrayEquals(golden(), Files.readAllBytes(file), () -> "written:\n" + read(file));
    }

    @Test
    void theGoldenFileReadsAsItsRows() throws IOException {
        Path file = dir.resolve("study.csv");
        Files.write(file, golden());
        List<CellResult> read = StudyCsv.read(file);
        List<CellResult> expected = goldenRows();
        assertEquals(expected.size(), read.size(), "rows");
        for (int i = 0; i < expected.size(); i++) {
            StudyRows.assertSameResult(expected.get(i), read.get(i), "row " + i);
        }
    }

    @Test
    void rowsComeBackBitForBit() throws IOException {
        List<String> layers = List.of("conv1_bn", "bn-2", "x");
        double nan = Double.NaN;
        List<CellResult> rows = new ArrayList<>(StudyRows.collapse());
        rows.add(new CellResult(new StudyCell(3, "group:12", Long.MIN_VALUE), 11, 33, 7, false, 0.1 + 0.2, -0.0,
                Double.MIN_VALUE, Double.MAX_VALUE, layers, new double[] {nan, 1e-300, Double.POSITIVE_INFINITY},
                new double[] {-0.0, 1.0 / 3, nan}, new double[] {nan, nan, nan}, new double[] {2.0 / 3, 1e21, 123.456},
                Math.PI));
        Path file = dir.resolve("study.csv");
        StudyCsv.write(file, rows);
        List<CellResult> read = StudyCsv.read(file);
        assertEquals(rows.size(), read.size(), "rows");
        for (int i = 0; i < rows.size(); i++) {
            StudyRows.assertSameResult(rows.get(i), read.get(i), "row " + i + " (" + rows.get(i).cell().id() + ")");
        }
    }

    @Test
    void appendReplacesTheRowOfTheSameCellInPlace() throws IOException {
        Path file = dir.resolve("study.csv");
        CellResult a = StudyRows.row(1, "local", 1, false, 0.1, 0.6, 1.0);
        CellResult b = StudyRows.row(2, "local", 1, false, 0.4, 0.7, 0.5);
        CellResult c = StudyRows.row(1, "sync", 1, false, 0.7, 0.7, 1.0);
        StudyCsv.append(file, a);
        StudyCsv.append(file, b);
        StudyCsv.append(file, c);
        CellResult rerun = StudyRows.row(2, "local", 1, false, 0.45, 0.72, 0.55);
        StudyCsv.append(file, rerun);
        List<CellResult> read = StudyCsv.read(file);
        assertEquals(List.of(a.cell(), b.cell(), c.cell()), read.stream().map(CellResult::cell).toList(),
                "one row per cell, in first-finished order");
        StudyRows.assertSameResult(rerun, read.get(1), "the re-run cell's row holds the new values");
        StudyRows.assertSameResult(a, read.get(0), "the other rows are unchanged");
    }

    @Test
    void aMissingFileHasNoRows() throws IOException {
        assertTrue(StudyCsv.read(dir.resolve("absent.csv")).isEmpty());
    }

    @Test
    void writingTheSameCellTwiceIsRefused() {
        CellResult a = StudyRows.row(1, "local", 1, false, 0.1, 0.6, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StudyCsv.write(dir.resolve("study.csv"), List.of(a, a)));
        assertEquals("rows 0 and 1 have the same cell identity b1-local-s1; a study holds each cell once",
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("study.csv")), "nothing written");
    }

    @Test
    void aLayerNameThatWouldBreakTheFormatIsRefused() {
        CellResult r = new CellResult(new StudyCell(1, "sync", 1), 1, 1, 1, false, 0, 0, 0, 0, List.of("a;b"),
                new double[1], new double[1], new double[1], new double[1], 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StudyCsv.write(dir.resolve("study.csv"), List.of(r)));
        assertEquals("layer names must be non-empty and hold none of , ; \" or a line break, but cell b1-sync-s1 "
                + "has layer \"a;b\"", e.getMessage());
    }

    /** {file content after the header line, or the whole content when it starts with "!", expected message}. */
    static Stream<Arguments> malformed() {
        String good = "b1-local-s1,1,local,1,32,32,2,false,0.125,0.6875,2.25,0.5,1.0,0.5,,1.0,bn1;bn2,1.5;0.5,"
                + "0.25;0.75,0.125;,0.0;2.0,12.5";
        String header = String.join(",", StudyCsv.COLUMNS);
        return Stream.of(
                Arguments.of("!cell,per_worker_batch,bn\n", " line 1: the header must be exactly \"" + header
                        + "\", but found \"cell,per_worker_batch,bn\""),
                Arguments.of("!", " line 1: the header must be \"" + header + "\", but the file is empty"),
                Arguments.of(good.substring(0, good.lastIndexOf(',')), " line 2: a row must have 22 comma-separated "
                        + "fields, one per header column, but has 21"),
                Arguments.of(good.replace(",0.125,", ",abc,"), " line 2, column 9 (test_acc_running): must be a "
                        + "number as Double.toString writes it (NaN as an empty field), but is \"abc\""),
                Arguments.of(good.replace(",0.6875,", ",NaN,"), " line 2, column 10 (test_acc_batch): must be a "
                        + "number as Double.toString writes it (NaN as an empty field), but is \"NaN\""),
                Arguments.of("b0-local-s1,0" + good.substring("b1-local-s1,1".length()),
                        " line 2, column 2 (per_worker_batch): must be at least 1, but is 0"),
                Arguments.of("b1-batch-s1,1,batch" + good.substring("b1-local-s1,1,local".length()),
                        " line 2, column 3 (bn): bn must be sync, local, group:K, ghost:V (K, V >= 1) or renorm, but got \"batch\""),
                Arguments.of("b2" + good.substring(2), " line 2, column 1 (cell): must be the id of "
                        + "per_worker_batch, bn and seed, \"b1-local-s1\", but is \"b2-local-s1\""),
                Arguments.of(good.replace(",false,", ",no,"), " line 2, column 8 (reference): must be true or false, "
                        + "but is \"no\""),
                Arguments.of(good.replace(",1.5;0.5,", ",1.5,"), " line 2, column 18 (div_mean_layers): must hold "
                        + "one ;-separated value per layer (2), but holds 1: \"1.5\""),
                Arguments.of(good.replace(",1.0,0.5,", ",1.5,0.5,"), " line 2, column 13 (div_mean): must be the "
                        + "mean over layers of div_mean_layers, 1.0, but is \"1.5\""),
                Arguments.of(good.replace(",32,32,", ",32.0,32,"), " line 2, column 5 (workers): must be an "
                        + "integer, but is \"32.0\""),
                Arguments.of(good + "\n" + good, " line 3: cell b1-local-s1 already appears on line 2; a study "
                        + "holds each cell once"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedFileIsRefusedWithItsLineColumnAndRule(String content, String message) throws IOException {
        Path file = dir.resolve("study.csv");
        String text = content.startsWith("!") ? content.substring(1)
                : String.join(",", StudyCsv.COLUMNS) + "\n" + content + "\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> StudyCsv.read(file));
        assertEquals(file + message, e.getMessage());
    }

    private static byte[] golden() throws IOException {
        try (InputStream in = StudyCsvTest.class.getResourceAsStream(GOLDEN)) {
            if (in == null) {
                throw new IOException("test resource " + GOLDEN + " is missing next to " + StudyCsvTest.class);
            }
            return in.readAllBytes();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
