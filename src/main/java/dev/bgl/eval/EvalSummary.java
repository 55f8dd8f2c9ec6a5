package dev.bgl.eval;

import dev.bgl.train.Spearman;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of an evaluation, from its records alone (so a resumed run's summary covers every record).
 *
 * <p>Per (method, budget), a {@link Row}: accuracy with its 95% Wilson interval; mean / median / p90 thinking
 * tokens; adherence (share of samples within the budget, overshoot = thinking tokens beyond the budget, its mean
 * over all samples, 0 for those within, and its maximum); wall-time latency p50 / p95 per sample (interpolated
 * quantiles); decode speed (median over samples); and, where the records carry predictions, Spearman's ρ between
 * the predicted thinking length and the same problem's realised {@code none} thinking length.
 *
 * <p>Per method, a {@link Curve}: the normalised area under its accuracy–budget curve (trapezoids over its
 * budgets divided by the budget range, so a flat curve at accuracy a scores a; needs two budgets), and
 * <b>tokens saved at equal accuracy</b>: the smallest budget whose accuracy (point estimate) reaches
 * {@code none}'s accuracy minus one percentage point (0.01), and that row's mean thinking tokens as a fraction of
 * {@code none}'s mean thinking tokens; tokens saved = 1 − fraction. Absent when no budget reaches the target.
 */
public record EvalSummary(List<Row> rows, List<Curve> curves, double noneAccuracy, double noneMeanThinking) {

    /** The accuracy shortfall against {@code none} still counted as "equal accuracy". */
    public static final double EQUAL_ACCURACY_TOLERANCE = 0.01;

    public record Row(String method, int budget, int n, Metrics.Accuracy accuracy, Metrics.Summary thinking,
                      double withinBudgetShare, double meanOvershoot, int maxOvershoot, double intervenedShare,
                      double latencyP50Ms, double latencyP95Ms, double decodeTps, int predictions, double spearmanPredicted) {
        public boolean hasBudget() {
            return budget != EvalRecord.NO_BUDGET;
        }

        public String label() {
            return hasBudget() ? method + "@" + budget : method;
        }
    }

    /**
     * @param auc                   normalised area under the accuracy–budget curve (NaN with fewer than two budgets)
     * @param equalAccuracyBudget   smallest budget reaching none's accuracy − 0.01 (null: none reaches it; NO_BUDGET for a method without one)
     * @param thinkingFractionOfNone that row's mean thinking / none's mean thinking (NaN when not reached)
     */
    public record Curve(String method, double auc, Integer equalAccuracyBudget, double thinkingFractionOfNone) {
        public double tokensSaved() {
            return Double.isNaN(thinkingFractionOfNone) ? Double.NaN : 1 - thinkingFractionOfNone;
        }
    }

    /** @param methodOrder the methods in the order rows should appear ({@code none} first) */
    public static EvalSummary of(List<EvalRecord> records, List<String> methodOrder) {
        if (records.isEmpty()) throw new BglException("no records to summarise");
        Map<String, Map<Integer, List<EvalRecord>>> groups = new LinkedHashMap<>();
        for (String m : methodOrder) groups.put(m, new java.util.TreeMap<>());
        for (EvalRecord r : records)
            groups.computeIfAbsent(r.method(), k -> new java.util.TreeMap<>()).computeIfAbsent(r.budget(), k -> new ArrayList<>()).add(r);

        Map<String, Integer> noneThinking = new HashMap<>();
        for (EvalRecord r : records) if (r.method().equals("none")) noneThinking.put(r.id(), r.thinkingTokens());

        List<Row> rows = new ArrayList<>();
        groups.forEach((m, byBudget) -> byBudget.forEach((b, rs) -> rows.add(row(m, b, rs, noneThinking))));

        Row none = rows.stream().filter(r -> r.method().equals("none")).findFirst().orElse(null);
        double noneAcc = none == null ? Double.NaN : none.accuracy().value();
        double noneMean = none == null ? Double.NaN : none.thinking().mean();
        List<Curve> curves = new ArrayList<>();
        for (String m : groups.keySet()) {
            if (m.equals("none")) continue;
            List<Row> mr = rows.stream().filter(r -> r.method().equals(m)).sorted(Comparator.comparingInt(Row::budget)).toList();
            if (mr.isEmpty()) continue;
            curves.add(curve(m, mr, noneAcc, noneMean));
        }
        return new EvalSummary(rows, curves, noneAcc, noneMean);
    }

    static Row row(String method, int budget, List<EvalRecord> rs, Map<String, Integer> noneThinking) {
        int n = rs.size(), correct = 0, within = 0, maxOver = 0, intervened = 0;
        double over = 0;
        double[] thinking = new double[n], wall = new double[n], tps = new double[n];
        List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EvalRecord r = rs.get(i);
            if (r.correct()) correct++;
            if (r.withinBudget()) within++;
            if (r.intervened()) intervened++;
            over += r.overshoot();
            maxOver = Math.max(maxOver, r.overshoot());
            thinking[i] = r.thinkingTokens();
            wall[i] = r.wallMs();
            tps[i] = r.decodeTps();
            Integer truth = noneThinking.get(r.id());
            if (Double.isFinite(r.predictedThinking()) && truth != null) pairs.add(new double[]{r.predictedThinking(), truth});
        }
        double[] sortedWall = wall.clone(), sortedTps = tps.clone();
        Arrays.sort(sortedWall);
        Arrays.sort(sortedTps);
        double rho = Double.NaN;
        if (pairs.size() >= 2)
            rho = Spearman.rho(pairs.stream().mapToDouble(p -> p[0]).toArray(), pairs.stream().mapToDouble(p -> p[1]).toArray());
        return new Row(method, budget, n, Metrics.accuracy(correct, n), Metrics.summarize(thinking), within / (double) n,
                over / n, maxOver, intervened / (double) n, Metrics.quantile(sortedWall, 0.5), Metrics.quantile(sortedWall, 0.95),
                Metrics.quantile(sortedTps, 0.5), pairs.size(), rho);
    }

    /** @param rows the method's rows, budgets ascending */
    static Curve curve(String method, List<Row> rows, double noneAcc, double noneMean) {
        double auc = Double.NaN;
        List<Row> budgeted = rows.stream().filter(Row::hasBudget).toList();
        if (budgeted.size() >= 2)
            auc = Metrics.normalizedAuc(budgeted.stream().mapToDouble(Row::budget).toArray(),
                    budgeted.stream().mapToDouble(r -> r.accuracy().value()).toArray());
        Integer at = null;
        double fraction = Double.NaN;
        if (!Double.isNaN(noneAcc)) {
            double target = noneAcc - EQUAL_ACCURACY_TOLERANCE - 1e-12; // the epsilon absorbs rounding of k/n
            for (Row r : rows) {
                if (r.accuracy().value() >= target) {
                    at = r.budget();
                    fraction = noneMean > 0 ? r.thinking().mean() / noneMean : Double.NaN;
                    break;
                }
            }
        }
        return new Curve(method, auc, at, fraction);
    }

    public Row row(String method, int budget) {
        return rows.stream().filter(r -> r.method().equals(method) && r.budget() == budget).findFirst().orElse(null);
    }

    public Curve curve(String method) {
        return curves.stream().filter(c -> c.method().equals(method)).findFirst().orElse(null);
    }
}
