package io.syncbn.driver.study;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The report: with the collapse pattern of {@link StudyRows}, the findings state the numbers the rows
 * give; the HTML is self-contained (no script, nothing loaded, every image an embedded PNG that
 * decodes) and escapes text; and the edge cases ({@link #edgeCases}) still give a report whose
 * findings claim nothing the rows do not hold: one seed, NaN batch accuracy, no reference, only the
 * reference, one per-worker batch, no row at all.
 */
class StudyReportTest {

    private static final Pattern IMG = Pattern.compile("<img\\b[^>]*>");
    private static final Pattern DATA_SRC = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");

    @TempDir
    Path dir;

    @Test
    void theFindingsStateTheCollapseWithTheRowsNumbers() throws IOException {
        StudyReport.write(dir, StudyRows.header(), StudyRows.collapse(), List.of(StudyRows.curve("b=1 local s1", 40)));
        String md = Files.readString(dir.resolve("report.md"));
        assertAll(
                () -> assertContains(md, "With 1 example per worker (32 workers), test accuracy with running "
                        + "statistics (mean ± standard deviation over seeds) is 0.770 ± 0.010 (3 seeds) for sync BN, "
                        + "0.140 ± 0.020 (3 seeds) for local BN, 0.600 ± 0.010 (3 seeds) for group:4 BN, against "
                        + "0.800 ± 0.010 (3 seeds) for the reference (whole global batch of 32 in one process); "
                        + "chance is 0.10."),
                () -> assertContains(md, "At 1 example per worker, within 5 points (0.05) of the reference (0.800): "
                        + "sync BN (0.770); near chance (within 0.10 of 0.10): local BN (0.140); neither: group:4 BN "
                        + "(0.600)."),
                () -> assertContains(md, "local BN +0.550 (0.690 with batch statistics against 0.140 with running "
                        + "statistics)"),
                () -> assertContains(md, "sync BN +0.010 (0.780 with batch statistics against 0.770 with running "
                        + "statistics)"),
                () -> assertContains(md, "local BN 1.20 at b=1, 0.800 at b=2, 0.500 at b=4, 0.300 at b=8 (falls "
                        + "monotonically)"),
                () -> assertContains(md, "sync BN 1.10 at b=1, 0.700 at b=2, 0.750 at b=4, 0.300 at b=8 (does not "
                        + "fall monotonically: 0.700 at b=2, then 0.750 at b=4)"),
                () -> assertContains(md, "| b1-local-s1 | 1 | local | 1 | 32 | no | 0.120 | 0.680 | 2.060 | 0.700 "
                        + "| 1.20 | 0.600 | 0.120 | 0.120 | 61 |"),
                () -> assertContains(md, "| b32-sync-s3 | 32 | sync | 3 | 1 | yes | 0.810 | 0.800 |"),
                () -> assertContains(md, "![Test accuracy against per-worker batch](accuracy.png)"),
                () -> assertContains(md, "![Statistics divergence against per-worker batch](divergence.png)"),
                () -> assertContains(md, "![Training loss against global step](curves.png)"),
                () -> assertContains(md, "- **Total time**: 3725 s (62.1 min)"),
                () -> assertContains(md, "- **Command**: `syncbn study --global-batch 32"));
        for (String heading : StudyTable.HEADINGS) {
            assertContains(md, "- **" + ReportMarkdown.escape(heading) + "**: ");
        }
    }

    @Test
    void theHtmlIsSelfContainedAndEveryImageIsAnEmbeddedPng() throws IOException {
        Path html = StudyReport.write(dir, StudyRows.header(), StudyRows.collapse(),
                List.of(StudyRows.curve("b=1 local s1", 40), StudyRows.curve("b=1 sync s1", 40)));
        assertEquals(dir.resolve("report.html"), html);
        String text = Files.readString(html);
        assertNoExternalReference(text);
        assertEquals(3, assertImagesDecode(text), "accuracy, divergence and curves");
    }

    @Test
    void textIsEscaped() throws IOException {
        ReportHeader h = StudyRows.header();
        ReportHeader hostile = new ReportHeader("<script>alert('x')</script> & \"co\"", h.globalBatch(), h.epochs(),
                "<img src=x>", "a|b_c*d", h.modes(), h.perWorkerBatches(), h.seeds(), "echo `id` <x>", 1, 10);
        StudyReport.write(dir, hostile, StudyRows.collapse(), List.of());
        String html = Files.readString(dir.resolve("report.html"));
        String md = Files.readString(dir.resolve("report.md"));
        assertAll(
                () -> assertFalse(html.contains("<script"), "no script element"),
                () -> assertContains(html, "<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"
                        + "</h1>"),
                () -> assertContains(html, "<dd>&lt;img src=x&gt;</dd>"),
                () -> assertContains(html, "<code>echo `id` &lt;x&gt;</code>"),
                () -> assertContains(md, "# \\<script\\>alert('x')\\</script\\> & \"co\""),
                () -> assertContains(md, "- **Model**: a\\|b\\_c\\*d"),
                () -> assertContains(md, "- **Command**: `` echo `id` <x> ``"));
    }

    /** {description, rows, curves, sentences the findings must hold, sentences they must not}. */
    static Stream<Arguments> edgeCases() {
        List<CellResult> oneSeed = StudyRows.collapse().stream().filter(r -> r.cell().seed() == 1).toList();
        List<CellResult> nanBatch = StudyRows.collapse().stream().map(r -> r.cell().perWorkerBatch() == 1
                ? StudyRows.row(1, r.cell().bn(), r.cell().seed(), false, r.testAccuracyRunning(), Double.NaN,
                        r.meanDivergence())
                : r).toList();
        List<CellResult> noReference = StudyRows.collapse().stream().filter(r -> !r.reference()).toList();
        List<CellResult> onlyReference = StudyRows.collapse().stream().filter(CellResult::reference).toList();
        List<CellResult> oneBatch = StudyRows.collapse().stream()
                .filter(r -> r.reference() || r.cell().perWorkerBatch() == 1).toList();
        return Stream.of(
                Arguments.of("one seed", oneSeed, List.of(StudyRows.curve("s1", 1)),
                        List.of("is 0.760 (one seed) for sync BN, 0.120 (one seed) for local BN",
                                "against 0.790 (one seed) for the reference"),
                        List.of("±")),
                Arguments.of("NaN batch accuracy at b=1", nanBatch, List.of(),
                        List.of("0.140 ± 0.020 (3 seeds) for local BN", "within 5 points"),
                        List.of("Train/inference gap")),
                Arguments.of("no reference", noReference, List.of(),
                        List.of("0.140 ± 0.020 (3 seeds) for local BN, 0.600 ± 0.010 (3 seeds) for group:4 BN; "
                                + "chance is 0.10.", "near chance (within 0.10 of 0.10): local BN (0.140); not near "
                                + "chance: sync BN (0.770), group:4 BN (0.600)."),
                        List.of("for the reference", "within 5 points")),
                Arguments.of("only the reference", onlyReference, List.of(),
                        List.of("Only the reference was measured: 0.800 ± 0.010 (3 seeds) test accuracy (running "
                                + "statistics); chance is 0.10."),
                        List.of("Train/inference gap", "Divergence of the workers")),
                Arguments.of("one per-worker batch", oneBatch, List.of(StudyRows.curve("b=1", 5)),
                        List.of("local BN 1.20 at b=1 (one per-worker batch measured: no trend)"),
                        List.of("falls monotonically")),
                Arguments.of("no row", List.of(), List.of(), List.of("No cell has been measured yet."),
                        List.of("chance is")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edgeCases")
    void anEdgeCaseStillGivesAReportThatClaimsOnlyWhatTheRowsHold(String description, List<CellResult> rows,
            List<Curve> curves, List<String> present, List<String> absent) throws IOException {
        Path html = StudyReport.write(dir, StudyRows.header(), rows, curves);
        String md = Files.readString(dir.resolve("report.md"));
        String findings = md.substring(md.indexOf("## Findings"), md.indexOf("## Charts"));
        String text = Files.readString(html);
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (String p : present) {
            checks.add(() -> assertContains(findings, p));
        }
        for (String a : absent) {
            checks.add(() -> assertFalse(findings.contains(a), "the findings must not say \"" + a + "\":\n"
                    + findings));
        }
        checks.add(() -> assertNoExternalReference(text));
        checks.add(() -> assertTrue(assertImagesDecode(text) >= 1, "at least the accuracy chart"));
        assertAll(description, checks.stream());
    }

    static void assertContains(String text, String expected) {
        assertTrue(text.contains(expected), () -> "expected to find\n  " + expected + "\nin\n" + text);
    }

    /** No script, no link, no source outside the file. */
    static void assertNoExternalReference(String html) {
        String lower = html.toLowerCase(java.util.Locale.ROOT);
        assertAll(
                () -> assertFalse(lower.contains("src=\"http"), "src=\"http"),
                () -> assertFalse(lower.contains("href="), "href="),
                () -> assertFalse(lower.contains("file:"), "file:"),
                () -> assertFalse(lower.contains("<script"), "<script"),
                () -> assertFalse(lower.contains("<link"), "<link"),
                () -> assertFalse(lower.contains("url("), "url( in the style"),
                () -> assertFalse(lower.contains("@import"), "@import"));
    }

    /** Asserts every {@code <img>} has a data URI that decodes to a PNG of its stated size; returns the count. */
    static int assertImagesDecode(String html) throws IOException {
        Matcher img = IMG.matcher(html);
        int n = 0;
        while (img.find()) {
            n++;
            String tag = img.group();
            Matcher src = DATA_SRC.matcher(tag);
            assertTrue(src.find(), "image " + n + " has an embedded PNG data URI: " + tag.substring(0,
                    Math.min(120, tag.length())));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(src.group(1))));
            assertNotNull(image, "image " + n + " decodes as an image");
            int width = image.getWidth();
            int height = image.getHeight();
            String where = "image " + n + ", " + width + "x" + height;
            assertAll(where,
                    () -> assertTrue(width >= ChartParts.WIDTH && height >= ChartParts.HEIGHT, "at least one panel"),
                    () -> assertTrue(tag.contains("width=\"" + width + "\" height=\"" + height + "\""),
                            "the tag states the image's size"));
        }
        return n;
    }
}
