package io.syncbn.driver.run;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a run's loss and accuracy into one PNG with XChart: two panels, each with the training value
 * per step (a moving mean, batch statistics) on an x axis in epochs, and the test value at the end of
 * every epoch (running statistics).
 */
public final class RunChart {

    /** Size of one panel in pixels. */
    static final int WIDTH = 640;
    /** @see #WIDTH */
    static final int HEIGHT = 420;

    /** Points per epoch the moving mean aims for: enough for shape, few enough to smooth noise. */
    private static final int POINTS_PER_EPOCH = 50;

    private RunChart() {
    }

    /**
     * Writes the chart of {@code metrics} to {@code file} (atomically).
     *
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if {@code metrics} holds no epoch
     */
    public static void write(MetricsLog.Contents metrics, Path file) throws IOException {
        if (metrics.epochs().isEmpty()) {
            throw new IllegalArgumentException("no epoch to chart: the metrics hold no epoch record");
        }
        // A chart is drawn off-screen: no display is needed on a cluster driver or in CI.
        System.setProperty("java.awt.headless", "true");
        XYChart loss = panel("Loss", "mean loss per example", metrics, StepRecord::loss, EpochRecord::testLoss);
        XYChart accuracy = panel("Accuracy", "fraction correct", metrics, StepRecord::accuracy,
                EpochRecord::testAccuracy);
        accuracy.getStyler().setYAxisMin(0.0);
        accuracy.getStyler().setYAxisMax(1.0);
        BufferedImage image = new BufferedImage(2 * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.drawImage(BitmapEncoder.getBufferedImage(loss), 0, 0, null);
            g.drawImage(BitmapEncoder.getBufferedImage(accuracy), WIDTH, 0, null);
        } finally {
            g.dispose();
        }
        AtomicFiles.write(file, tmp -> {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer is available in this Java runtime");
            }
        });
    }

    private static XYChart panel(String title, String yTitle, MetricsLog.Contents metrics,
            ToDoubleFunction<StepRecord> train, ToDoubleFunction<EpochRecord> test) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisDecimalPattern("0.##");
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax((double) metrics.epochs().get(metrics.epochs().size() - 1).epoch());
        List<StepRecord> steps = metrics.steps();
        if (!steps.isEmpty()) {
            double[][] curve = movingMean(steps, train);
            XYSeries s = chart.addSeries("train (per step, moving mean)", curve[0], curve[1]);
            s.setMarker(SeriesMarkers.NONE);
        }
        double[] ex = metrics.epochs().stream().mapToDouble(EpochRecord::epoch).toArray();
        double[] ey = metrics.epochs().stream().mapToDouble(test).toArray();
        XYSeries t = chart.addSeries("test (end of epoch)", ex, ey);
        t.setMarker(SeriesMarkers.CIRCLE);
        return chart;
    }

    /**
     * The training curve: x is the position in epochs ({@code (epoch - 1) + step / steps}), y the mean
     * of the last {@code w} steps' values. It starts with the first step's own value and then has a
     * point wherever the window is full; partial windows would only draw noise. (The gap after the
     * first point also keeps XChart from placing x ticks at data points, which it does for equally
     * spaced values, and so gives round tick values.)
     */
    static double[][] movingMean(List<StepRecord> steps, ToDoubleFunction<StepRecord> value) {
        int perEpoch = Math.max(1, steps.get(0).steps());
        int window = Math.min(steps.size(), Math.max(1, perEpoch / POINTS_PER_EPOCH));
        int n = steps.size() - window + 1 + (window > 1 ? 1 : 0);
        double[] x = new double[n];
        double[] y = new double[n];
        int k = 0;
        if (window > 1) {
            x[k] = position(steps.get(0));
            y[k++] = value.applyAsDouble(steps.get(0));
        }
        double sum = 0;
        for (int i = 0; i < steps.size(); i++) {
            sum += value.applyAsDouble(steps.get(i));
            if (i >= window) {
                sum -= value.applyAsDouble(steps.get(i - window));
            }
            if (i >= window - 1) {
                x[k] = position(steps.get(i));
                y[k++] = sum / window;
            }
        }
        return new double[][] {x, y};
    }

    private static double position(StepRecord s) {
        return (s.epoch() - 1) + (double) s.step() / s.steps();
    }
}
