package io.syncbn.driver.study;

import static io.syncbn.driver.study.ChartParts.HEIGHT;
import static io.syncbn.driver.study.ChartParts.MARKERS;
import static io.syncbn.driver.study.ChartParts.PALETTE;
import static io.syncbn.driver.study.ChartParts.REFERENCE;
import static io.syncbn.driver.study.ChartParts.STROKES;
import static io.syncbn.driver.study.ChartParts.WIDTH;
import static io.syncbn.driver.study.ChartParts.batchAxis;
import static io.syncbn.driver.study.ChartParts.common;
import static io.syncbn.driver.study.ChartParts.horizontal;
import static io.syncbn.driver.study.ChartParts.log2;
import static io.syncbn.driver.study.ChartParts.save;
import static io.syncbn.driver.study.ChartParts.style;
import static io.syncbn.driver.study.ChartParts.unique;

import io.syncbn.driver.study.StudyGroups.Summary;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws the study's charts as PNGs with XChart, off-screen:
 *
 * <ul>
 *   <li>{@code accuracy.png}: test accuracy against per-worker batch (log2 axis), one solid line per
 *       BN mode with running statistics (mean over seeds, error bars of one standard deviation when
 *       there are several seeds), one dashed line per mode with batch statistics, the reference as a
 *       horizontal line and chance as a dotted one;
 *   <li>{@code divergence.png}: two panels, one above the other, the mean and the log-variance
 *       divergence of the workers' statistics from the global batch's, per layer and mode against
 *       per-worker batch (log y axis when every value is positive); written only if a non-reference
 *       cell measured one;
 *   <li>{@code curves.png}: training loss against global step, one line per {@link Curve}; written
 *       only if a curve has a finite point.
 * </ul>
 *
 * <p>A chart that is not written is removed from the directory, so that it never shows an earlier
 * report's cells.
 *
 * <p>Values that are not finite (NaN: not measured) are left out; a series without any value is not
 * drawn.
 */
public final class StudyCharts {

    private StudyCharts() {
    }

    /**
     * Writes the charts of {@code rows} and {@code curves} into {@code dir} (each file atomically).
     *
     * @param chance the accuracy of guessing, 1 / classes
     * @return the files written, in the order above
     * @throws IllegalArgumentException if {@code chance} is not in (0, 1)
     * @throws IOException if a file cannot be written
     */
    public static List<Path> write(Path dir, List<CellResult> rows, List<Curve> curves, double chance)
            throws IOException {
        if (!(chance > 0 && chance < 1)) {
            throw new IllegalArgumentException("chance must be in (0, 1) (1 / classes), but got " + chance);
        }
        // Drawn off-screen: no display is needed on a cluster driver or in CI.
        System.setProperty("java.awt.headless", "true");
        List<Path> written = new ArrayList<>();
        Path accuracy = dir.resolve("accuracy.png");
        save(List.of(BitmapEncoder.getBufferedImage(accuracy(rows, chance))), accuracy);
        written.add(accuracy);
        List<BufferedImage> divergence = new ArrayList<>();
        divergence.add(divergencePanel(rows, "Mean divergence |μ_local − μ_global| / σ_global",
                CellResult::divergenceMean));
        divergence.add(divergencePanel(rows, "Log-variance divergence |log(σ²_local / σ²_global)|",
                CellResult::divergenceLogVar));
        Path divergenceFile = dir.resolve("divergence.png");
        if (divergence.stream().anyMatch(p -> p != null)) {
            save(divergence, divergenceFile);
            written.add(divergenceFile);
        } else {
            // A chart left from an earlier report would show cells this one does not have.
            Files.deleteIfExists(divergenceFile);
        }
        Path curvesFile = dir.resolve("curves.png");
        XYChart loss = curves(curves);
        if (loss != null) {
            save(List.of(BitmapEncoder.getBufferedImage(loss)), curvesFile);
            written.add(curvesFile);
        } else {
            Files.deleteIfExists(curvesFile);
        }
        return written;
    }

    private static XYChart accuracy(List<CellResult> rows, double chance) {
        List<Integer> all = StudyGroups.allBatches(rows);
        XYChart chart = batchAxis("Test accuracy against per-worker batch", "per-worker batch b (log2 scale)",
                "test accuracy", all);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        double[] span = {chart.getStyler().getXAxisMin(), chart.getStyler().getXAxisMax()};
        List<Integer> batches = StudyGroups.batches(rows);
        List<String> modes = StudyGroups.modes(rows, List.of());
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        for (int m = 0; m < modes.size(); m++) {
            Color color = PALETTE[m % PALETTE.length];
            String mode = modes.get(m);
            line(chart, mode + " BN, running statistics", rows, mode, batches,
                    CellResult::testAccuracyRunning, color, SeriesLines.SOLID, SeriesMarkers.CIRCLE, true);
            line(chart, mode + " BN, batch statistics", rows, mode, batches, CellResult::testAccuracyBatch, color,
                    SeriesLines.DASH_DASH, SeriesMarkers.DIAMOND, false);
        }
        Summary reference = StudyGroups.summarize(StudyGroups.references(rows), CellResult::testAccuracyRunning);
        if (reference.measured()) {
            horizontal(chart, "reference: whole global batch in one process", span, reference.mean(), REFERENCE,
                    SeriesLines.SOLID);
        }
        horizontal(chart, String.format(Locale.ROOT, "chance (%.2f)", chance), span, chance, Color.GRAY,
                SeriesLines.DOT_DOT);
        return chart;
    }

    /**
     * Adds the mean over seeds per batch, with error bars of one standard deviation if asked and
     * some batch has several seeds.
     */
    private static void line(XYChart chart, String name, List<CellResult> rows, String mode, List<Integer> batches,
            ToDoubleFunction<CellResult> value, Color color, BasicStroke stroke, Marker marker, boolean errorBars) {
        List<double[]> points = new ArrayList<>();
        boolean spread = false;
        for (int b : batches) {
            Summary s = StudyGroups.summarize(StudyGroups.cells(rows, mode, b), value);
            if (s.measured()) {
                double sd = Double.isNaN(s.sd()) ? 0 : s.sd();
                spread |= sd > 0;
                points.add(new double[] {log2(b), s.mean(), sd});
            }
        }
        if (points.isEmpty()) {
            return;
        }
        double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
        boolean bars = errorBars && spread;
        XYSeries s = bars ? chart.addSeries(name, x, y, points.stream().mapToDouble(p -> p[2]).toArray())
                : chart.addSeries(name, x, y);
        style(s, color, stroke, marker);
    }

    /**
     * One panel: per (mode, layer), the mean over seeds of the layer's value against per-worker batch;
     * null if no non-reference cell has a finite value.
     */
    private static BufferedImage divergencePanel(List<CellResult> rows, String title,
            Function<CellResult, double[]> measure) {
        List<Integer> batches = StudyGroups.batches(rows);
        XYChart chart = batchAxis(title, "per-worker batch b (log2 scale)", "mean over steps, channels, workers",
                batches);
        List<String> modes = StudyGroups.modes(rows, List.of());
        List<String> layers = StudyGroups.layers(rows);
        boolean allPositive = true;
        int series = 0;
        for (int m = 0; m < modes.size(); m++) {
            for (int l = 0; l < layers.size(); l++) {
                String layer = layers.get(l);
                String mode = modes.get(m);
                List<double[]> points = new ArrayList<>();
                for (int b : batches) {
                    Summary s = StudyGroups.summarize(StudyGroups.cells(rows, mode, b),
                            r -> StudyGroups.layerValue(r, measure.apply(r), layer));
                    if (s.measured()) {
                        points.add(new double[] {log2(b), s.mean()});
                        allPositive &= s.mean() > 0;
                    }
                }
                if (!points.isEmpty()) {
                    XYSeries s = chart.addSeries(mode + " BN, " + layer, points.stream().mapToDouble(p -> p[0])
                            .toArray(), points.stream().mapToDouble(p -> p[1]).toArray());
                    style(s, PALETTE[m % PALETTE.length], STROKES[l % STROKES.length], MARKERS[l % MARKERS.length]);
                    series++;
                }
            }
        }
        if (series == 0) {
            return null;
        }
        chart.getStyler().setYAxisLogarithmic(allPositive);
        chart.getStyler().setYAxisLogarithmicDecadeOnly(false);
        return BitmapEncoder.getBufferedImage(chart);
    }

    private static XYChart curves(List<Curve> curves) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Training loss")
                .xAxisTitle("global step").yAxisTitle("mean training loss per example").build();
        common(chart);
        int drawn = 0;
        for (int c = 0; c < curves.size(); c++) {
            Curve curve = curves.get(c);
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < curve.steps().length; i++) {
                if (Double.isFinite(curve.steps()[i]) && Double.isFinite(curve.loss()[i])) {
                    points.add(new double[] {curve.steps()[i], curve.loss()[i]});
                }
            }
            if (points.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(unique(chart, curve.label()), points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray());
            // A single point has no line to show: mark it.
            style(s, PALETTE[c % PALETTE.length], SeriesLines.SOLID, points.size() == 1 ? SeriesMarkers.CIRCLE
                    : SeriesMarkers.NONE);
            drawn++;
        }
        return drawn == 0 ? null : chart;
    }
}
