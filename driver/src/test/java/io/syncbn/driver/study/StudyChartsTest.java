package io.syncbn.driver.study;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The charts: which files are written for which rows, each a readable PNG of the panel size, with the
 * series drawn in their colours. Cases ({@link #cases}): the full collapse study, one seed, one
 * per-worker batch, every value NaN, only the reference, no row; a chart left from an earlier report
 * is removed when it is not drawn again.
 */
class StudyChartsTest {

    /** The colour of the first mode (sync BN in the collapse rows) and of the first curve. */
    private static final int FIRST_SERIES = 0x1f77b4;

    @TempDir
    Path dir;

    /** {description, rows, curves, files expected, whether the accuracy chart shows a mode's line}. */
    static Stream<Arguments> cases() {
        List<CellResult> all = StudyRows.collapse();
        List<CellResult> allNaN = all.stream().filter(r -> !r.reference()).map(r -> new CellResult(r.cell(),
                r.workers(), r.globalBatch(), r.epochs(), false, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                r.layers(), nan(3), nan(3), nan(3), nan(3), Double.NaN)).toList();
        Curve nanCurve = new Curve("nan", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN});
        return Stream.of(
                Arguments.of("full study", all, List.of(StudyRows.curve("a", 30), StudyRows.curve("a", 10)),
                        List.of("accuracy.png", "divergence.png", "curves.png"), true),
                Arguments.of("one seed", all.stream().filter(r -> r.cell().seed() == 2).toList(),
                        List.of(StudyRows.curve("one point", 1)), List.of("accuracy.png", "divergence.png",
                                "curves.png"), true),
                Arguments.of("one per-worker batch", all.stream().filter(r -> r.cell().perWorkerBatch() == 4).toList(),
                        List.of(), List.of("accuracy.png", "divergence.png"), true),
                Arguments.of("every value NaN", allNaN, List.of(nanCurve), List.of("accuracy.png"), false),
                Arguments.of("only the reference", all.stream().filter(CellResult::reference).toList(), List.of(),
                        List.of("accuracy.png"), false),
                Arguments.of("no row", List.of(), List.of(), List.of("accuracy.png"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachCaseWritesReadablePngsOfItsData(String description, List<CellResult> rows, List<Curve> curves,
            List<String> expected, boolean modeLine) throws IOException {
        List<Path> files = StudyCharts.write(dir, rows, curves, 0.1);
        assertEquals(expected, files.stream().map(p -> p.getFileName().toString()).toList(), description);
        for (Path file : files) {
            BufferedImage image = ImageIO.read(file.toFile());
            assertNotNull(image, file + " is a PNG");
            int panels = file.getFileName().toString().equals("divergence.png") ? 2 : 1;
            assertAll(file.getFileName().toString(),
                    () -> assertEquals(ChartParts.WIDTH, image.getWidth(), "width"),
                    () -> assertEquals(panels * ChartParts.HEIGHT, image.getHeight(), "height"));
        }
        BufferedImage accuracy = ImageIO.read(dir.resolve("accuracy.png").toFile());
        boolean reference = rows.stream().anyMatch(CellResult::reference);
        assertAll(description,
                () -> assertEquals(modeLine, count(accuracy, FIRST_SERIES) > 0, "the first mode's line"),
                () -> assertEquals(reference, count(accuracy, ChartParts.REFERENCE.getRGB() & 0xffffff) > 0,
                        "the reference line"));
    }

    @Test
    void aChartNotDrawnAgainIsRemoved() throws IOException {
        StudyCharts.write(dir, StudyRows.collapse(), List.of(StudyRows.curve("a", 5)), 0.1);
        assertTrue(Files.exists(dir.resolve("curves.png")) && Files.exists(dir.resolve("divergence.png")));
        StudyCharts.write(dir, StudyRows.collapse().stream().filter(CellResult::reference).toList(), List.of(), 0.1);
        assertAll(
                () -> assertFalse(Files.exists(dir.resolve("curves.png")), "curves.png"),
                () -> assertFalse(Files.exists(dir.resolve("divergence.png")), "divergence.png"));
    }

    @Test
    void chanceOutsideTheUnitIntervalIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StudyCharts.write(dir, List.of(), List.of(), 1.0));
        assertEquals("chance must be in (0, 1) (1 / classes), but got 1.0", e.getMessage());
    }

    private static double[] nan(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }

    /** Pixels of exactly this RGB colour. */
    private static int count(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
