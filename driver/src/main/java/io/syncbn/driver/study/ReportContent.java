package io.syncbn.driver.study;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

/**
 * What the study's report says, before it is rendered as Markdown ({@link ReportMarkdown}) or HTML
 * ({@link ReportHtml}): both renderings carry the same text and numbers.
 *
 * @param title the report's title
 * @param setup the setup, as {label, value} pairs
 * @param command the command line that ran the study
 * @param findings the findings, as plain-text sentences
 * @param charts the charts drawn
 * @param chartNotes why a chart is missing, one sentence per missing chart
 * @param table the table of all cells, rows of {@link StudyTable#HEADINGS}
 * @param glossary one {term, definition} per table column
 */
record ReportContent(String title, List<String[]> setup, String command, List<String> findings, List<Chart> charts,
        List<String> chartNotes, List<List<String>> table, List<String[]> glossary) {

    /**
     * One chart.
     *
     * @param fileName the PNG's file name in the study directory
     * @param alt a short text alternative
     * @param caption what the chart shows and how to read it
     * @param png the PNG file's bytes
     * @param width the image's width in pixels
     * @param height the image's height in pixels
     */
    record Chart(String fileName, String alt, String caption, byte[] png, int width, int height) {
    }

    /**
     * The content of the report of {@code rows}, with the charts StudyCharts wrote.
     *
     * @throws IOException if a chart cannot be read back or is not an image
     */
    static ReportContent of(ReportHeader header, List<CellResult> rows, List<Path> chartFiles) throws IOException {
        List<Chart> charts = new ArrayList<>();
        for (Path file : chartFiles) {
            charts.add(chart(file, header.globalBatch()));
        }
        List<String> notes = new ArrayList<>();
        if (charts.stream().noneMatch(c -> c.fileName().equals("divergence.png"))) {
            notes.add("No divergence chart: no cell other than the reference measured a statistics divergence.");
        }
        if (charts.stream().noneMatch(c -> c.fileName().equals("curves.png"))) {
            notes.add("No training-loss chart: no training curve with a finite value was given.");
        }
        return new ReportContent(header.title(), setup(header, rows), header.command(),
                StudyFindings.of(header, rows), charts, notes, StudyTable.rows(rows, header.modes()),
                StudyTable.glossary(header.globalBatch()));
    }

    private static List<String[]> setup(ReportHeader h, List<CellResult> rows) {
        List<String[]> s = new ArrayList<>();
        s.add(new String[] {"Data", h.data()});
        s.add(new String[] {"Model", h.model()});
        s.add(new String[] {"Global batch", "G = " + h.globalBatch() + " examples per step in every cell"});
        String workers = h.perWorkerBatches().stream()
                .map(b -> h.globalBatch() % b == 0 ? Integer.toString(h.globalBatch() / b) : "n/a")
                .collect(Collectors.joining(", "));
        s.add(new String[] {"Per-worker batches", "b = " + join(h.perWorkerBatches()) + " (N = G / b = " + workers
                + " workers)"});
        s.add(new String[] {"BN modes", String.join(", ", h.modes())});
        s.add(new String[] {"Seeds", join(h.seeds())});
        s.add(new String[] {"Epochs", Integer.toString(h.epochs())});
        s.add(new String[] {"Classes", h.classes() + " (chance accuracy " + StudyFindings.fixed(h.chance(), 2) + ")"});
        long references = rows.stream().filter(CellResult::reference).count();
        s.add(new String[] {"Cells measured", rows.size() + " (" + references + " reference)"});
        s.add(new String[] {"Total time", Double.isNaN(h.totalSeconds()) ? "n/a"
                : String.format(Locale.ROOT, "%.0f s (%.1f min)", h.totalSeconds(), h.totalSeconds() / 60)});
        return s;
    }

    private static Chart chart(Path file, int globalBatch) throws IOException {
        byte[] png = Files.readAllBytes(file);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        if (image == null) {
            throw new IOException("chart " + file + " is not an image ImageIO can read");
        }
        String name = file.getFileName().toString();
        String alt;
        String caption;
        switch (name) {
            case "accuracy.png" -> {
                alt = "Test accuracy against per-worker batch";
                caption = "Test accuracy against per-worker batch b at a fixed global batch of " + globalBatch
                        + ". Solid lines: running statistics (mean over seeds; bars: ± one standard deviation "
                        + "over seeds). Dashed lines: batch statistics of b examples. Black line: the reference "
                        + "(whole global batch in one process). Dotted line: chance.";
            }
            case "divergence.png" -> {
                alt = "Statistics divergence against per-worker batch";
                caption = "Divergence of each worker's batch statistics from the global batch's, per BN layer and "
                        + "mode (mean over seeds). Top: means, |μ_local − μ_global| / σ_global. Bottom: variances, "
                        + "|log(σ²_local / σ²_global)|.";
            }
            case "curves.png" -> {
                alt = "Training loss against global step";
                caption = "Training loss (training mode) against global step.";
            }
            default -> {
                alt = name;
                caption = name;
            }
        }
        return new Chart(name, alt, caption, png, image.getWidth(), image.getHeight());
    }

    private static String join(List<? extends Number> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
