package dev.bgl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes an evaluation's reports into its directory: {@code summary.json}, {@code summary.csv}, the plots
 * ({@link EvalPlots}) and a self-contained {@code report.html} (plots inlined as PNG data, metrics table, definitions and the
 * command line that produced it).
 */
public final class EvalReport {
    public static final String SUMMARY_JSON = "summary.json", SUMMARY_CSV = "summary.csv", HTML = "report.html",
            CALIBRATION = "calibration.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the report says about how the run was made. */
    public record Context(String commandLine, String modelName, EvalSettings settings, EvalHarness.Result result, int problems) {
    }

    private EvalReport() {
    }

    /**
     * @param calibration a calibration file, or null to use {@code DIR/calibration.jsonl} when present
     * @return the plots written
     */
    public static List<EvalPlots.Plot> write(Path dir, Context ctx, EvalSummary summary, Path calibration) {
        Path cal = calibration != null ? calibration : dir.resolve(CALIBRATION);
        if (calibration != null && !Files.isRegularFile(calibration))
            throw new BglException(calibration + ": no such calibration file");
        List<EvalPlots.CalibrationPoint> points = Files.isRegularFile(cal) ? readCalibration(cal) : List.of();
        try {
            JSON.writeValue(dir.resolve(SUMMARY_JSON).toFile(), summaryJson(ctx, summary));
            Files.writeString(dir.resolve(SUMMARY_CSV), csv(summary), StandardCharsets.UTF_8);
            List<EvalPlots.Plot> plots = EvalPlots.writeAll(dir, summary, ctx.result().records(), points);
            Files.writeString(dir.resolve(HTML), html(dir, ctx, summary, plots), StandardCharsets.UTF_8);
            return plots;
        } catch (IOException e) {
            throw new BglException("cannot write the report in " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Lines {@code {"true_remaining": x, "predicted_mean": y}}; a bad line is an error naming its
     * number. {@code "predicted_mean": null} is how train-predictor writes an infinite mean (a Gamma
     * with λ ≤ 1 over log-length): such a point has no place on the plot and is skipped.
     */
    public static List<EvalPlots.CalibrationPoint> readCalibration(Path file) {
        List<EvalPlots.CalibrationPoint> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BglException(file + ": cannot read: " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                throw new BglException(file + ":" + (i + 1) + ": malformed JSON");
            }
            JsonNode t = n.get("true_remaining"), p = n.get("predicted_mean");
            if (p != null && p.isNull() && t != null && t.isNumber()) continue;
            if (t == null || !t.isNumber() || p == null || !p.isNumber())
                throw new BglException(file + ":" + (i + 1) + ": expected numbers 'true_remaining' and 'predicted_mean'");
            out.add(new EvalPlots.CalibrationPoint(t.doubleValue(), p.doubleValue()));
        }
        return out;
    }

    static ObjectNode summaryJson(Context ctx, EvalSummary s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("command", ctx.commandLine());
        o.put("model", ctx.modelName());
        o.set("settings", ctx.settings().toJson(JSON));
        o.put("problems", ctx.problems());
        ArrayNode budgets = o.putArray("budgets");
        ctx.result().budgets().forEach(budgets::add);
        if (ctx.settings().usesFractions()) {
            ArrayNode f = o.putArray("budget_fractions");
            ctx.settings().fractions().forEach(f::add);
        }
        num(o, "none_mean_thinking", s.noneMeanThinking());
        num(o, "none_accuracy", s.noneAccuracy());
        o.put("records", ctx.result().records().size());
        o.put("generated_this_run", ctx.result().generated());
        o.put("resumed", ctx.result().resumed());
        ArrayNode rows = o.putArray("rows");
        for (EvalSummary.Row r : s.rows()) {
            ObjectNode x = rows.addObject();
            x.put("method", r.method());
            if (r.hasBudget()) x.put("budget", r.budget());
            else x.putNull("budget");
            if (r.hasLimits()) {
                x.put("limits", r.limits());
                x.put("within_limits_plus10_share", r.within10Share());
            }
            x.put("answer_complete_share", r.completeShare());
            if (r.maxKvBytes() >= 0) x.put("kv_bytes_max", r.maxKvBytes());
            x.put("n", r.n());
            x.put("strict_correct", r.strictAccuracy().correct());
            x.put("strict_accuracy", r.strictAccuracy().value());
            x.put("strict_accuracy_ci_low", r.strictAccuracy().low());
            x.put("strict_accuracy_ci_high", r.strictAccuracy().high());
            x.put("answer_overrun_share", r.overrunShare());
            num(x, "closed_at_line_end_share", r.lineEndShare());
            x.put("thinking_within_budget_share", r.thinkingWithinShare());
            x.put("total_tokens_mean", r.meanTotalTokens());
            x.put("correct", r.accuracy().correct());
            x.put("accuracy", r.accuracy().value());
            x.put("accuracy_ci_low", r.accuracy().low());
            x.put("accuracy_ci_high", r.accuracy().high());
            x.put("thinking_mean", r.thinking().mean());
            x.put("thinking_median", r.thinking().median());
            x.put("thinking_p90", r.thinking().p90());
            x.put("within_budget_share", r.withinBudgetShare());
            x.put("overshoot_mean", r.meanOvershoot());
            x.put("overshoot_max", r.maxOvershoot());
            x.put("intervened_share", r.intervenedShare());
            x.put("latency_p50_ms", r.latencyP50Ms());
            x.put("latency_p95_ms", r.latencyP95Ms());
            x.put("decode_tps_median", r.decodeTps());
            x.put("predictions", r.predictions());
            num(x, "spearman_predicted_vs_none_thinking", r.spearmanPredicted());
        }
        ObjectNode curves = o.putObject("methods");
        for (EvalSummary.Curve c : s.curves()) {
            ObjectNode x = curves.putObject(c.method());
            num(x, "auc_normalized", c.auc());
            budget(x, "equal_accuracy_budget", c.equalAccuracyBudget());
            num(x, "equal_accuracy_thinking_fraction_of_none", c.thinkingFractionOfNone());
            num(x, "tokens_saved_at_equal_accuracy", c.tokensSaved());
            num(x, "strict_auc_normalized", c.strictAuc());
            budget(x, "strict_equal_accuracy_budget", c.strictEqualAccuracyBudget());
            num(x, "strict_equal_accuracy_token_fraction_of_none", c.strictTokenFractionOfNone());
            num(x, "strict_tokens_saved_at_equal_accuracy", c.strictTokensSaved());
        }
        o.put("definitions", DEFINITIONS);
        return o;
    }

    /** An equal-accuracy budget: null when never reached, "unbudgeted" when only full thinking reaches it. */
    private static void budget(ObjectNode x, String key, Integer budget) {
        if (budget == null) x.putNull(key);
        else if (budget == EvalRecord.NO_BUDGET) x.put(key, "unbudgeted");
        else x.put(key, budget);
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v);
        else o.putNull(k);
    }

    static final String DEFINITIONS = "strict accuracy (the headline): share of samples whose extracted answer matches the gold and whose "
            + "answer did not overrun, with its 95% Wilson score interval; accuracy (lenient): the extracted answer matches, whatever "
            + "was written after the thinking closed. answer overrun: the answer reached its cap (the model card's, e.g. 24 tokens) "
            + "without ending, or a thinking marker came after </think>: reasoning after the close is reasoning. "
            + "thinking: tokens between <think> and </think>, inserted ones included (what a budget counts). "
            + "within budget (strict): thinking <= budget and no answer overrun; thinking within (lenient): thinking <= budget alone; "
            + "overshoot: max(0, thinking - budget), mean over all samples of the row. "
            + "line-end closes: of the runs whose thinking closed while decoding, the share whose last written thinking token ended a line. "
            + "AUC: trapezoid area under accuracy vs budget divided by the budget range (a flat curve at a scores a). "
            + "tokens saved at equal accuracy (strict): the smallest budget whose strict accuracy >= none's strict accuracy - 0.01 (1 point); "
            + "fraction = that row's mean thinking + answer tokens / none's; saved = 1 - fraction; null when no budget reaches it. "
            + "The lenient version uses accuracy and thinking tokens alone. "
            + "latency: wall time per sample (prompt + generation), interpolated p50/p95. decode tok/s: median over samples. "
            + "spearman: rank correlation of the predicted thinking length with the same problem's realised none thinking length.";

    static final String[] CSV_HEADER = {"method", "budget", "n", "correct", "accuracy", "ci_low", "ci_high", "thinking_mean",
            "thinking_median", "thinking_p90", "within_budget", "overshoot_mean", "overshoot_max", "intervened", "latency_p50_ms",
            "latency_p95_ms", "decode_tps", "spearman_pred", "auc", "equal_acc_budget", "thinking_frac_of_none",
            "strict_correct", "strict_accuracy", "strict_ci_low", "strict_ci_high", "answer_overrun", "line_end_closes",
            "thinking_within", "total_tokens_mean", "strict_auc", "strict_equal_acc_budget", "strict_token_frac_of_none"};

    static String csv(EvalSummary s) {
        StringBuilder b = new StringBuilder(String.join(",", CSV_HEADER)).append('\n');
        for (EvalSummary.Row r : s.rows()) {
            EvalSummary.Curve c = s.curve(r.method());
            b.append(String.join(",", r.method(), r.hasLimits() ? r.limits() : r.hasBudget() ? "" + r.budget() : "", "" + r.n(), "" + r.accuracy().correct(),
                    f(r.accuracy().value()), f(r.accuracy().low()), f(r.accuracy().high()), f(r.thinking().mean()),
                    f(r.thinking().median()), f(r.thinking().p90()), f(r.withinBudgetShare()), f(r.meanOvershoot()),
                    "" + r.maxOvershoot(), f(r.intervenedShare()), f(r.latencyP50Ms()), f(r.latencyP95Ms()), f(r.decodeTps()),
                    f(r.spearmanPredicted()), c == null ? "" : f(c.auc()),
                    c == null || c.equalAccuracyBudget() == null ? "" : c.equalAccuracyBudget() == EvalRecord.NO_BUDGET ? "unbudgeted" : "" + c.equalAccuracyBudget(),
                    c == null ? "" : f(c.thinkingFractionOfNone()),
                    "" + r.strictAccuracy().correct(), f(r.strictAccuracy().value()), f(r.strictAccuracy().low()), f(r.strictAccuracy().high()),
                    f(r.overrunShare()), f(r.lineEndShare()), f(r.thinkingWithinShare()), f(r.meanTotalTokens()),
                    c == null ? "" : f(c.strictAuc()),
                    c == null || c.strictEqualAccuracyBudget() == null ? "" : c.strictEqualAccuracyBudget() == EvalRecord.NO_BUDGET ? "unbudgeted" : "" + c.strictEqualAccuracyBudget(),
                    c == null ? "" : f(c.strictTokenFractionOfNone()))).append('\n');
        }
        return b.toString();
    }

    private static String f(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "";
    }

    /** The metrics table as fixed-width text (for the terminal and reports): strict figures first, lenient beside them. */
    public static String table(EvalSummary s) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-14s %6s %4s %22s %8s %7s %7s %7s %7s %7s %8s %7s %7s %9s %9s%n",
                "method", "budget", "n", "strict acc [95% CI]", "lenient", "overrun", "think", "+answer", "p90", "within", "thk-only",
                "ovr max", "line-end", "lat p50", "tok/s"));
        for (EvalSummary.Row r : s.rows())
            b.append(String.format(Locale.ROOT, "%-14s %6s %4d %6.1f%% [%5.1f, %5.1f] %7.1f%% %6.1f%% %7.1f %7.1f %7.1f %6.0f%% %7.0f%% %7d %7s %7.1fms %9.0f%n",
                    r.method(), r.budgetLabel(), r.n(), 100 * r.strictAccuracy().value(), 100 * r.strictAccuracy().low(),
                    100 * r.strictAccuracy().high(), 100 * r.accuracy().value(), 100 * r.overrunShare(), r.thinking().mean(),
                    r.meanTotalTokens(), r.thinking().p90(), 100 * r.withinBudgetShare(), 100 * r.thinkingWithinShare(),
                    r.maxOvershoot(), Double.isFinite(r.lineEndShare()) ? String.format(Locale.ROOT, "%.0f%%", 100 * r.lineEndShare()) : "-",
                    r.latencyP50Ms(), r.decodeTps()));
        b.append(unitsTable(s));
        for (EvalSummary.Curve c : s.curves())
            b.append(String.format(Locale.ROOT, "%-14s AUC %s strict, %s lenient; equal accuracy (>= none - 1 pt): strict %s; lenient %s%n", c.method(),
                    fmt3(c.strictAuc()), fmt3(c.auc()),
                    equalAt(c.strictEqualAccuracyBudget(), c.strictTokenFractionOfNone(), "thinking + answer"),
                    equalAt(c.equalAccuracyBudget(), c.thinkingFractionOfNone(), "thinking")));
        return b.toString();
    }

    private static String fmt3(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }

    private static String equalAt(Integer budget, double fraction, String what) {
        if (budget == null) return "not reached";
        return String.format(Locale.ROOT, "at %s, %.1f%% of none's %s", budget == EvalRecord.NO_BUDGET ? "no budget" : "budget " + budget,
                100 * fraction, what);
    }

    /**
     * The rows under budgets in units (none: empty): whole answers, share that kept the limits (seconds on the
     * run's wall clock) and within +10%, wall p50/p95, most KV bytes.
     */
    public static String unitsTable(EvalSummary s) {
        List<EvalSummary.Row> rows = s.rows().stream().filter(EvalSummary.Row::hasLimits).toList();
        if (rows.isEmpty()) return "";
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-14s %10s %4s %8s %9s %8s %9s %10s %10s %10s%n",
                "method", "limits", "n", "accuracy", "complete", "kept", "kept+10%", "wall p50", "wall p95", "KV max"));
        for (EvalSummary.Row r : rows)
            b.append(String.format(Locale.ROOT, "%-14s %10s %4d %7.1f%% %8.1f%% %7.1f%% %8.1f%% %8.0fms %8.0fms %10s%n",
                    r.method(), r.limits(), r.n(), 100 * r.accuracy().value(), 100 * r.completeShare(), 100 * r.withinBudgetShare(),
                    100 * r.within10Share(), r.latencyP50Ms(), r.latencyP95Ms(), r.maxKvBytes() < 0 ? "-" : r.maxKvBytes() + " B"));
        return b.toString();
    }

    static String html(Path dir, Context ctx, EvalSummary s, List<EvalPlots.Plot> plots) throws IOException {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bgl eval</title>\n<style>"
                + "body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}"
                + "td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}"
                + "code,pre{background:#f6f6f6;padding:2px 4px}figure{margin:1.5em 0}</style></head><body>\n");
        h.append("<h1>bgl eval</h1>\n<p>Command: <code>").append(esc(ctx.commandLine())).append("</code></p>\n");
        h.append("<p>Model: <code>").append(esc(ctx.modelName())).append("</code>; tasks: <code>").append(esc(ctx.settings().tasks()))
                .append("</code>; ").append(ctx.problems()).append(" problems; budgets ").append(ctx.result().budgets());
        if (ctx.settings().usesFractions())
            h.append(String.format(Locale.ROOT, " (fractions %s of none's mean thinking %.1f tokens)", ctx.settings().fractions(), s.noneMeanThinking()));
        h.append("; seed ").append(ctx.settings().seed()).append("; max tokens ").append(ctx.settings().maxTokens())
                .append(ctx.settings().temperature() > 0 ? "; temperature " + ctx.settings().temperature() : "; greedy").append(".</p>\n");
        h.append("<h2>EvalStats</h2>\n<table><tr>");
        for (String c : new String[]{"method", "budget", "n", "strict accuracy", "95% CI", "lenient accuracy", "answer overrun",
                "think mean", "think + answer", "median", "p90", "within budget (strict)", "thinking within (lenient)",
                "overshoot mean", "overshoot max", "line-end closes", "intervened", "latency p50 ms", "p95 ms", "decode tok/s", "ρ pred"})
            h.append("<th>").append(esc(c)).append("</th>");
        h.append("</tr>\n");
        for (EvalSummary.Row r : s.rows()) {
            h.append("<tr><td>").append(esc(r.method())).append("</td><td>").append(esc(r.hasLimits() || r.hasBudget() ? r.budgetLabel() : "–")).append("</td><td>")
                    .append(r.n()).append("</td>");
            cell(h, "%.1f%%", 100 * r.strictAccuracy().value());
            h.append(String.format(Locale.ROOT, "<td>%.1f–%.1f%%</td>", 100 * r.strictAccuracy().low(), 100 * r.strictAccuracy().high()));
            cell(h, "%.1f%%", 100 * r.accuracy().value());
            cell(h, "%.1f%%", 100 * r.overrunShare());
            cell(h, "%.1f", r.thinking().mean());
            cell(h, "%.1f", r.meanTotalTokens());
            cell(h, "%.1f", r.thinking().median());
            cell(h, "%.1f", r.thinking().p90());
            cell(h, "%.0f%%", 100 * r.withinBudgetShare());
            cell(h, "%.0f%%", 100 * r.thinkingWithinShare());
            cell(h, "%.2f", r.meanOvershoot());
            h.append("<td>").append(r.maxOvershoot()).append("</td>");
            cell(h, "%.0f%%", 100 * r.lineEndShare());
            cell(h, "%.0f%%", 100 * r.intervenedShare());
            cell(h, "%.1f", r.latencyP50Ms());
            cell(h, "%.1f", r.latencyP95Ms());
            cell(h, "%.0f", r.decodeTps());
            cell(h, "%.3f", r.spearmanPredicted());
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        String units = unitsTable(s);
        if (!units.isEmpty())
            h.append("<h2>Budgets in units</h2>\n<p>complete: the whole answer written; kept: complete and every limit kept"
                    + " (seconds on the wall clock of the whole run); kept+10%: seconds with 10% slack.</p>\n<pre>").append(esc(units)).append("</pre>\n");
        h.append("<h2>Per method</h2>\n<table><tr><th>method</th><th>AUC strict</th><th>budget at equal strict accuracy</th>"
                + "<th>thinking + answer vs none</th><th>tokens saved (strict)</th><th>AUC lenient</th><th>budget at equal lenient accuracy</th>"
                + "<th>thinking vs none</th><th>tokens saved (lenient)</th></tr>\n");
        for (EvalSummary.Curve c : s.curves()) {
            h.append("<tr><td>").append(esc(c.method())).append("</td>");
            cell(h, "%.3f", c.strictAuc());
            h.append("<td>").append(c.strictEqualAccuracyBudget() == null ? "not reached" : c.strictEqualAccuracyBudget() == EvalRecord.NO_BUDGET ? "–" : c.strictEqualAccuracyBudget()).append("</td>");
            cell(h, "%.1f%%", 100 * c.strictTokenFractionOfNone());
            cell(h, "%.1f%%", 100 * c.strictTokensSaved());
            cell(h, "%.3f", c.auc());
            h.append("<td>").append(c.equalAccuracyBudget() == null ? "not reached" : c.equalAccuracyBudget() == EvalRecord.NO_BUDGET ? "–" : c.equalAccuracyBudget()).append("</td>");
            cell(h, "%.1f%%", 100 * c.thinkingFractionOfNone());
            cell(h, "%.1f%%", 100 * c.tokensSaved());
            h.append("</tr>\n");
        }
        h.append("</table>\n<h2>Definitions</h2>\n<p>").append(esc(DEFINITIONS)).append("</p>\n<h2>Plots</h2>\n");
        for (EvalPlots.Plot p : plots) {
            // PNGs as data URIs: self-contained and a tenth of the size of XChart's SVGs (text drawn as outlines)
            String png = java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(p.name() + ".png")));
            h.append("<figure id=\"").append(p.name()).append("\"><figcaption>").append(esc(p.title())).append(" (<a href=\"")
                    .append(p.name()).append(".png\">").append(p.name()).append(".png</a>, <a href=\"").append(p.name())
                    .append(".svg\">").append(p.name()).append(".svg</a>)</figcaption>\n<img alt=\"").append(esc(p.title()))
                    .append("\" src=\"data:image/png;base64,").append(png).append("\">\n</figure>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void cell(StringBuilder h, String fmt, double v) {
        h.append("<td>").append(Double.isFinite(v) ? String.format(Locale.ROOT, fmt, v) : "–").append("</td>");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
