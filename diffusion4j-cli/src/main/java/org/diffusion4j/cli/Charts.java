package org.diffusion4j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.diffusion4j.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts: scatter plots of 2-D samples, log-log convergence plots, line charts and histograms. */
final class Charts {
    private Charts() {}

    /** A scatter plot of 2-D points (n × 2, row-major), written atomically. */
    static void scatter(Path file, String title, double[] points) {
        XYSeries series = new XYSeries("samples", false, true);
        for (int i = 0; i + 1 < points.length; i += 2) {
            series.add(points[i], points[i + 1]);
        }
        JFreeChart chart = ChartFactory.createScatterPlot(title, "x₁", "x₂", new XYSeriesCollection(series),
                PlotOrientation.VERTICAL, false, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.getRenderer().setSeriesPaint(0, new Color(31, 119, 180, 120));
        plot.getRenderer().setSeriesShape(0, new java.awt.geom.Ellipse2D.Double(-1.5, -1.5, 3, 3));
        write(file, chart, 700, 700);
    }

    /** Error against NFE on log-log axes, one line per series. */
    static void convergence(Path file, String title, String yLabel, Map<String, List<double[]>> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
            XYSeries s = new XYSeries(entry.getKey(), true, true);
            for (double[] point : entry.getValue()) {
                if (point[1] > 0 && Double.isFinite(point[1])) {
                    s.add(point[0], point[1]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "NFE", yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        LogAxis x = new LogAxis("NFE");
        x.setBase(2);
        x.setSmallestValue(1);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setNumberFormatOverride(new DecimalFormat("0"));
        LogAxis y = new LogAxis(yLabel);
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        y.setNumberFormatOverride(new DecimalFormat("0E0"));
        y.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        plot.setDomainAxis(x);
        plot.setRangeAxis(y);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        plot.setRenderer(renderer);
        write(file, chart, 1000, 720);
    }

    /** A line chart of y against x, one line per series, linear axes (log y when {@code logY}). */
    static void lines(Path file, String title, String xLabel, String yLabel, Map<String, List<double[]>> series,
            boolean logY) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
            XYSeries s = new XYSeries(entry.getKey(), true, true);
            for (double[] point : entry.getValue()) {
                if (Double.isFinite(point[1]) && (!logY || point[1] > 0)) {
                    s.add(point[0], point[1]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                series.size() > 1, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (logY) {
            plot.setRangeAxis(new LogAxis(yLabel));
        } else {
            ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false); // the values' range, not from 0
        }
        write(file, chart, 800, 450);
    }

    /** Overlaid histograms of each series' values over their common range ({@code bins} bins), as densities. */
    static void histograms(Path file, String title, String xLabel, Map<String, double[]> series, int bins) {
        HistogramDataset data = new HistogramDataset();
        data.setType(HistogramType.SCALE_AREA_TO_1);
        double min = series.values().stream().flatMapToDouble(java.util.Arrays::stream).min().orElse(0);
        double max = series.values().stream().flatMapToDouble(java.util.Arrays::stream).max().orElse(1);
        if (max <= min) {
            max = min + 1e-9;
        }
        for (Map.Entry<String, double[]> entry : series.entrySet()) {
            data.addSeries(entry.getKey(), entry.getValue(), bins, min, max);
        }
        JFreeChart chart = ChartFactory.createHistogram(title, xLabel, "density", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setForegroundAlpha(0.55f);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        write(file, chart, 800, 450);
    }

    private static void write(Path file, JFreeChart chart, int width, int height) {
        BufferedImage image = chart.createBufferedImage(width, height);
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }
}
