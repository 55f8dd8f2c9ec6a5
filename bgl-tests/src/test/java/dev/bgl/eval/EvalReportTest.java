package dev.bgl.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The report files from hand-made records: all written, PNGs readable, the HTML self-contained and naming every plot. */
class EvalReportTest {
    @Test
    void everyFileIsWrittenAndTheHtmlHoldsEveryPlot(@TempDir Path dir) throws Exception {
        List<EvalRecord> records = EvalSummaryTest.handMade();
        Files.writeString(dir.resolve(EvalReport.CALIBRATION), "{\"true_remaining\": 10, \"predicted_mean\": 12.5}\n\n"
                + "{\"true_remaining\": 40, \"predicted_mean\": 31}\n");
        EvalSettings settings = new EvalSettings("m.gguf", "synthetic", List.of("none", "hard"), List.of(10, 20, 30), List.of(), 4, 1, 64, 0, null);
        EvalHarness.Result result = new EvalHarness.Result(List.of(10, 20, 30), 25, records, 16, 0);
        EvalSummary summary = EvalSummary.of(records, settings.methods());
        List<EvalPlots.Plot> plots = EvalReport.write(dir, new EvalReport.Context("bgl eval --tasks synthetic --n 4 <x>", "m.gguf", settings, result, 4), summary, null);

        assertEquals(List.of("accuracy-vs-budget", "thinking-hist-none", "thinking-hist-hard", "calibration"),
                plots.stream().map(EvalPlots.Plot::name).toList());
        for (String f : List.of(EvalReport.SUMMARY_JSON, EvalReport.SUMMARY_CSV, EvalReport.HTML))
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        String html = Files.readString(dir.resolve(EvalReport.HTML));
        for (EvalPlots.Plot p : plots) {
            BufferedImage png = ImageIO.read(dir.resolve(p.name() + ".png").toFile());
            assertNotNull(png, p.name() + ".png is not an image");
            assertTrue(png.getWidth() >= 400 && png.getHeight() >= 300);
            String svg = Files.readString(dir.resolve(p.name() + ".svg"));
            assertTrue(svg.contains("<svg"), p.name() + ".svg");
            assertTrue(html.contains("id=\"" + p.name() + "\""), "report.html lacks " + p.name());
        }
        assertEquals(plots.size(), html.split("src=\"data:image/png;base64,", -1).length - 1, "every plot inlined as PNG data");
        for (var p : plots) assertTrue(html.contains("href=\"" + p.name() + ".svg\""), "links the SVG of " + p.name());
        assertTrue(html.contains("bgl eval --tasks synthetic --n 4 &lt;x&gt;"), "the command line, escaped");

        List<String> csv = Files.readAllLines(dir.resolve(EvalReport.SUMMARY_CSV));
        assertEquals(5, csv.size(), "header + none + hard at three budgets");
        assertTrue(csv.get(4).startsWith("hard,30,4,3,0.7500,"), csv.get(4));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve(EvalReport.SUMMARY_JSON).toFile());
        assertEquals(0.5, json.path("methods").path("hard").path("auc_normalized").asDouble(), 1e-12);
        assertEquals(0.1, json.path("methods").path("hard").path("tokens_saved_at_equal_accuracy").asDouble(), 1e-12);
        assertEquals(30, json.path("methods").path("hard").path("equal_accuracy_budget").asInt());
        assertEquals(4, json.path("rows").size());
    }

    @Test
    void aBadCalibrationLineIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cal.jsonl");
        Files.writeString(f, "{\"true_remaining\": 1, \"predicted_mean\": 2}\n{\"true_remaining\": 1}\n");
        var e = assertThrows(dev.bgl.util.BglException.class, () -> EvalReport.readCalibration(f));
        assertTrue(e.getMessage().contains("cal.jsonl:2:"), e.getMessage());
    }

    @Test
    void anInfinitePredictedMeanIsSkippedNotAnError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cal.jsonl");
        Files.writeString(f, "{\"true_remaining\": 1, \"predicted_mean\": 2}\n{\"true_remaining\": 2, \"predicted_mean\": null}\n"
                + "{\"true_remaining\": 3, \"predicted_mean\": 4.5}\n");
        var points = EvalReport.readCalibration(f);
        assertEquals(2, points.size());
        assertEquals(4.5, points.get(1).predictedMean(), 1e-12);
        Path noTruth = dir.resolve("bad.jsonl");
        Files.writeString(noTruth, "{\"true_remaining\": null, \"predicted_mean\": null}\n");
        assertThrows(dev.bgl.util.BglException.class, () -> EvalReport.readCalibration(noTruth));
    }

    @Test
    void aRunawayPredictionDoesNotSquashTheCalibrationPlot() {
        var pts = new java.util.ArrayList<EvalPlots.CalibrationPoint>();
        for (int i = 1; i <= 50; i++) pts.add(new EvalPlots.CalibrationPoint(i, i + 3));
        pts.add(new EvalPlots.CalibrationPoint(2, 10_600));
        var chart = EvalPlots.calibrationChart(pts);
        assertEquals(75.0, chart.getStyler().getYAxisMax(), 1e-9, "1.5 x the longest true length");
        var series = chart.getSeriesMap().keySet().iterator().next();
        assertTrue(series.contains("51 points; 1 predicted above 75, not drawn"), series);
        assertEquals(50, chart.getSeriesMap().get(series).getYData().length);
    }
}
