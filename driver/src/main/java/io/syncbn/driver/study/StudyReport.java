package io.syncbn.driver.study;

import io.syncbn.driver.run.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the study's report into its directory: the charts ({@link StudyCharts}), {@code report.md}
 * (which links the PNGs next to it) and {@code report.html} (self-contained: charts embedded as data
 * URIs, inline style, no script, nothing loaded from elsewhere).
 *
 * <p>The report has the setup, the findings computed from the rows (every number in them is a mean
 * over seeds of the rows' values; a sentence whose numbers are missing is left out), the charts, a
 * table of all cells and a glossary of its columns. Each file is replaced atomically.
 * {@code scripts/check-report-html} checks that the HTML renders in Chromium.
 */
public final class StudyReport {

    private StudyReport() {
    }

    /**
     * Writes the charts, {@code report.md} and {@code report.html} of {@code rows} into {@code dir}
     * (created if missing).
     *
     * @param header the study's setup
     * @param rows the finished cells, the reference rows included
     * @param curves training curves for the loss chart; may be empty
     * @return the path of {@code report.html}
     * @throws IOException if a file cannot be written
     */
    public static Path write(Path dir, ReportHeader header, List<CellResult> rows, List<Curve> curves)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> charts = StudyCharts.write(dir, rows, curves, header.chance());
        ReportContent content = ReportContent.of(header, rows, charts);
        AtomicFiles.writeString(dir.resolve("report.md"), ReportMarkdown.render(content));
        Path html = dir.resolve("report.html");
        AtomicFiles.writeString(html, ReportHtml.render(content));
        return html;
    }
}
