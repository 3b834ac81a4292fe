package io.syncbn.driver.study;

import io.syncbn.driver.run.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The look of the study's charts ({@link StudyCharts}) and how they are written: panel size,
 * colours, line styles, a per-worker-batch axis on a log2 scale, and PNG output on white.
 */
final class ChartParts {

    /** Size of one panel in pixels. */
    static final int WIDTH = 1000;
    /** @see #WIDTH */
    static final int HEIGHT = 560;
    /** One colour per BN mode (or curve), in order. */
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    /** The reference line: black to the eye, but not a grey that text anti-aliasing produces. */
    static final Color REFERENCE = new Color(0x10001a);
    /** One marker per layer, in order. */
    static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN};
    /** One line style per layer, in order. */
    static final BasicStroke[] STROKES = {SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT,
        SeriesLines.DASH_DOT};

    private ChartParts() {
    }

    /** An XY chart whose x axis is log2 of the per-worker batch, labelled with the batch itself. */
    static XYChart batchAxis(String title, String xTitle, String yTitle, List<Integer> batches) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        common(chart);
        double lo = batches.isEmpty() ? 0 : log2(batches.get(0));
        double hi = batches.isEmpty() ? 0 : log2(batches.get(batches.size() - 1));
        chart.getStyler().setXAxisMin(lo - 0.5);
        chart.getStyler().setXAxisMax(hi + 0.5);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> {
            long k = Math.round(x);
            if (Math.abs(x - k) < 1e-6 && k >= 0 && k < 63) {
                return Long.toString(1L << k);
            }
            // Blanks between the powers of two, but not equal ones at both ends of the axis: XChart
            // draws no tick at all when the axis minimum and maximum have the same label.
            return x <= lo ? " " : "  ";
        });
        return chart;
    }

    /** White background, light grid, the legend in a column on the right. */
    static void common(XYChart chart) {
        Styler styler = chart.getStyler();
        // XChart does not wrap a horizontal legend: a column on the right holds any number of series.
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendLayout(Styler.LegendLayout.Vertical);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    }

    /** A horizontal line at {@code y} across {@code span}, in the legend as {@code name}. */
    static void horizontal(XYChart chart, String name, double[] span, double y, Color color,
            BasicStroke stroke) {
        XYSeries s = chart.addSeries(unique(chart, name), span, new double[] {y, y});
        style(s, color, stroke, SeriesMarkers.NONE);
    }

    /** Colour, line and marker of a series. */
    static void style(XYSeries s, Color color, BasicStroke stroke, Marker marker) {
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setLineStyle(stroke);
        s.setMarker(marker);
    }

    /** {@code name}, numbered if the chart has a series of that name already (XChart refuses duplicates). */
    static String unique(XYChart chart, String name) {
        String n = name;
        for (int k = 2; chart.getSeries(n) != null; k++) {
            n = name + " (" + k + ")";
        }
        return n;
    }

    /** The x position of per-worker batch {@code b}. */
    static double log2(int b) {
        return Math.log(b) / Math.log(2);
    }

    /** Writes the panels one above the other on white as one PNG (a page is narrower than it is long). */
    static void save(List<BufferedImage> panels, Path file) throws IOException {
        int height = panels.size() * HEIGHT;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            for (int i = 0; i < panels.size(); i++) {
                if (panels.get(i) != null) {
                    g.drawImage(panels.get(i), 0, i * HEIGHT, null);
                } else {
                    empty(g, i * HEIGHT);
                }
            }
        } finally {
            g.dispose();
        }
        AtomicFiles.write(file, tmp -> {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer is available in this Java runtime");
            }
        });
    }

    private static void empty(Graphics2D g, int y) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
        g.drawString("no finite value to draw", WIDTH / 3, y + HEIGHT / 2);
    }
}
