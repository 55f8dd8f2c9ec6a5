package dev.bgl.eval;

import dev.bgl.util.BglException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report's charts (XChart), each written as PNG and SVG: accuracy against budget per method with 95% CI bars
 * and {@code none} / {@code nothink} as horizontal lines; thinking-length histograms per method (one outline per
 * budget); and, given calibration points, the predictor's predicted against true remaining thinking length.
 * Runs headless: no display is needed or touched.
 */
public final class EvalPlots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** A point of a predictor calibration file: the true remaining thinking tokens and the predicted mean. */
    public record CalibrationPoint(double trueRemaining, double predictedMean) {
    }

    /** A written chart: its base name (files {@code name.png} and {@code name.svg}) and its title. */
    public record Plot(String name, String title) {
    }

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f)};

    private EvalPlots() {
    }

    /** Writes every chart into {@code dir}; returns them in report order. */
    public static List<Plot> writeAll(Path dir, EvalSummary summary, List<EvalRecord> records, List<CalibrationPoint> calibration) {
        List<Plot> out = new ArrayList<>();
        out.add(save(dir, "accuracy-vs-budget", accuracyChart(summary)));
        Map<String, List<EvalRecord>> byMethod = new TreeMap<>();
        // budgets in units have no place on a token axis: they are in the tables
        for (EvalRecord r : records) if (!r.hasLimits()) byMethod.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
        for (EvalSummary.Row first : summary.rows()) {
            List<EvalRecord> rs = byMethod.remove(first.method());
            if (rs != null) out.add(save(dir, "thinking-hist-" + first.method(), histogram(first.method(), rs)));
        }
        if (calibration != null && !calibration.isEmpty()) out.add(save(dir, "calibration", calibrationChart(calibration)));
        return out;
    }

    static XYChart accuracyChart(EvalSummary s) {
        XYChart c = new XYChartBuilder().width(760).height(480).title("Accuracy vs thinking budget (95% Wilson CI)")
                .xAxisTitle("thinking budget (tokens)").yAxisTitle("accuracy").build();
        style(c);
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setYAxisDecimalPattern("0%");
        List<EvalSummary.Row> budgeted = s.rows().stream().filter(EvalSummary.Row::hasBudget).toList();
        double lo = budgeted.stream().mapToDouble(EvalSummary.Row::budget).min().orElse(0);
        double hi = budgeted.stream().mapToDouble(EvalSummary.Row::budget).max().orElse(1);
        if (hi <= lo) hi = lo + 1;
        double pad = (hi - lo) * 0.04;
        c.getStyler().setXAxisMin(lo - pad).setXAxisMax(hi + pad);
        int colour = 0;
        List<String> done = new ArrayList<>();
        for (EvalSummary.Row r : s.rows()) {
            if (r.hasLimits() || done.contains(r.method())) continue;
            done.add(r.method());
            Color col = PALETTE[colour++ % PALETTE.length];
            List<EvalSummary.Row> mr = s.rows().stream().filter(x -> x.method().equals(r.method()) && !x.hasLimits()).toList();
            if (!r.hasBudget()) { // none, nothink: one accuracy, drawn across the budget range
                XYSeries line = c.addSeries(String.format("%s (%.1f%%)", r.method(), 100 * r.accuracy().value()),
                        new double[]{lo - pad, hi + pad}, new double[]{r.accuracy().value(), r.accuracy().value()});
                line.setLineColor(col);
                line.setLineStyle(SeriesLines.DASH_DASH);
                line.setMarker(SeriesMarkers.NONE);
                continue;
            }
            XYSeries curve = c.addSeries(r.method(), mr.stream().mapToDouble(EvalSummary.Row::budget).toArray(),
                    mr.stream().mapToDouble(x -> x.accuracy().value()).toArray());
            curve.setLineColor(col);
            curve.setMarkerColor(col);
            curve.setMarker(SeriesMarkers.CIRCLE);
            for (EvalSummary.Row p : mr) { // the Wilson interval is not symmetric: each bar is its own segment
                double w = (hi - lo) * 0.008;
                XYSeries bar = c.addSeries(p.label() + " CI", new double[]{p.budget() - w, p.budget() + w, p.budget(), p.budget(), p.budget() - w, p.budget() + w},
                        new double[]{p.accuracy().low(), p.accuracy().low(), p.accuracy().low(), p.accuracy().high(), p.accuracy().high(), p.accuracy().high()});
                bar.setLineColor(col);
                bar.setMarker(SeriesMarkers.NONE);
                bar.setShowInLegend(false);
            }
        }
        return c;
    }

    static XYChart histogram(String method, List<EvalRecord> rs) {
        XYChart c = new XYChartBuilder().width(760).height(400).title("Thinking length: " + method)
                .xAxisTitle("thinking tokens").yAxisTitle("samples").build();
        style(c);
        int max = rs.stream().mapToInt(EvalRecord::thinkingTokens).max().orElse(1);
        int bins = Math.min(30, Math.max(1, max + 1));
        double width = Math.max(1, Math.ceil((max + 1) / (double) bins));
        Map<Integer, int[]> byBudget = new TreeMap<>();
        for (EvalRecord r : rs)
            byBudget.computeIfAbsent(r.budget(), k -> new int[bins])[(int) Math.min(bins - 1, r.thinkingTokens() / width)]++;
        int colour = 0;
        for (var e : byBudget.entrySet()) {
            // a closed outline: from 0 at the left edge, along each bin's top, back to 0 at the right edge
            double[] x = new double[2 * bins + 2], y = new double[2 * bins + 2];
            for (int i = 0; i < bins; i++) {
                x[2 * i + 1] = i * width;
                x[2 * i + 2] = (i + 1) * width;
                y[2 * i + 1] = y[2 * i + 2] = e.getValue()[i];
            }
            x[0] = 0;
            x[2 * bins + 1] = bins * width;
            String name = e.getKey() == EvalRecord.NO_BUDGET ? method : method + " @" + e.getKey();
            XYSeries s = c.addSeries(name, x, y);
            Color col = PALETTE[colour++ % PALETTE.length];
            s.setLineColor(col);
            s.setMarker(SeriesMarkers.NONE);
            if (e.getKey() != EvalRecord.NO_BUDGET) { // the budget itself, as a dotted vertical line
                XYSeries b = c.addSeries(name + " budget", new double[]{e.getKey(), e.getKey()},
                        new double[]{0, java.util.Arrays.stream(e.getValue()).max().orElse(1)});
                b.setLineColor(col);
                b.setLineStyle(SeriesLines.DOT_DOT);
                b.setMarker(SeriesMarkers.NONE);
                b.setShowInLegend(false);
            }
        }
        return c;
    }

    /** Most points drawn in the calibration scatter; more are thinned evenly (the file keeps them all). */
    static final int MAX_CALIBRATION_POINTS = 2000;

    static XYChart calibrationChart(List<CalibrationPoint> all) {
        List<CalibrationPoint> pts = all;
        if (all.size() > MAX_CALIBRATION_POINTS) {
            pts = new java.util.ArrayList<>(MAX_CALIBRATION_POINTS);
            for (int i = 0; i < MAX_CALIBRATION_POINTS; i++) pts.add(all.get((int) ((long) i * all.size() / MAX_CALIBRATION_POINTS)));
        }
        XYChart c = new XYChartBuilder().width(560).height(520).title("Predicted vs true remaining thinking length")
                .xAxisTitle("true remaining tokens").yAxisTitle("predicted mean").build();
        style(c);
        // the axes span 1.5 x the longest true length: a mean of a Gamma over log-length with λ
        // near 1 can run to thousands of tokens and would squash every other point into a corner
        double maxTrue = 1;
        for (CalibrationPoint p : pts) maxTrue = Math.max(maxTrue, p.trueRemaining());
        double max = 1.5 * maxTrue;
        List<CalibrationPoint> kept = pts.stream().filter(p -> p.predictedMean() <= max).toList();
        List<CalibrationPoint> shown = kept.isEmpty() ? pts : kept;
        int above = pts.size() - shown.size();
        String label = (pts.size() == all.size() ? String.format("%d points", pts.size()) : String.format("%d of %d points", pts.size(), all.size()))
                + (above > 0 && !kept.isEmpty() ? String.format("; %d predicted above %.0f, not drawn", above, max) : "");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        if (!kept.isEmpty()) c.getStyler().setXAxisMin(0.0).setXAxisMax(max).setYAxisMin(0.0).setYAxisMax(max);
        XYSeries s = c.addSeries(label, shown.stream().mapToDouble(CalibrationPoint::trueRemaining).toArray(),
                shown.stream().mapToDouble(CalibrationPoint::predictedMean).toArray());
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarkerColor(new Color(31, 119, 180, 140));
        s.setMarker(SeriesMarkers.CIRCLE);
        XYSeries diag = c.addSeries("y = x", new double[]{0, max}, new double[]{0, max});
        diag.setLineColor(Color.GRAY);
        diag.setLineStyle(SeriesLines.DASH_DASH);
        diag.setMarker(SeriesMarkers.NONE);
        return c;
    }

    private static void style(XYChart c) {
        Styler st = c.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setLegendBorderColor(Color.WHITE);
        st.setPlotBorderVisible(true);
        c.getStyler().setMarkerSize(6);
        c.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    }

    private static Plot save(Path dir, String name, Chart<?, ?> chart) {
        try {
            BitmapEncoder.saveBitmap(chart, dir.resolve(name + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
            VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name + ".svg").toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new BglException("cannot write plot " + dir.resolve(name) + ": " + e.getMessage());
        }
        return new Plot(name, chart.getTitle());
    }
}
