package dev.bgl.eval;

import dev.bgl.util.Spearman;
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
public record EvalSummary(List<Row> rows, List<Curve> curves, double noneAccuracy, double noneMeanThinking,
                          double noneStrictAccuracy, double noneMeanTotalTokens) {

    /** The accuracy shortfall against {@code none} still counted as "equal accuracy". */
    public static final double EQUAL_ACCURACY_TOLERANCE = 0.01;

    /**
     * @param limits            the budget in other units ({@code 2s}, {@code 16KB}); null for a token budget or none
     * @param withinBudgetShare token budgets: share within the budget; units: share that finished the whole answer
     *                          and kept every limit (seconds on the run's wall clock)
     * @param within10Share     units: the same with 10% slack on seconds (NaN for token budgets)
     * @param completeShare     share that finished the whole answer (thinking closed, the model ended the answer)
     * @param maxKvBytes        most KV-cache bytes a run took (-1: not measured)
     * @param strictAccuracy    the headline: correct and no answer overrun (reasoning after the close is not credited)
     * @param overrunShare      share whose answer overran its cap or reopened the thinking
     * @param lineEndShare      of the runs whose thinking closed while decoding, the share that closed at a line end (NaN: none did)
     * @param thinkingWithinShare the lenient adherence: thinking alone within the budget
     * @param meanTotalTokens   mean thinking + answer tokens: what the user waits for
     */
    public record Row(String method, int budget, int n, EvalStats.Accuracy accuracy, EvalStats.Summary thinking,
                      double withinBudgetShare, double meanOvershoot, int maxOvershoot, double intervenedShare,
                      double latencyP50Ms, double latencyP95Ms, double decodeTps, int predictions, double spearmanPredicted,
                      String limits, double within10Share, double completeShare, long maxKvBytes,
                      EvalStats.Accuracy strictAccuracy, double overrunShare, double lineEndShare, double thinkingWithinShare,
                      double meanTotalTokens) {
        /** Whether the row ran under a budget in thinking tokens. */
        public boolean hasBudget() {
            return budget != EvalRecord.NO_BUDGET;
        }

        public boolean hasLimits() {
            return limits != null;
        }

        /** The budget as written: tokens, the limits in units, or "-" without one. */
        public String budgetLabel() {
            return hasLimits() ? limits : hasBudget() ? "" + budget : "-";
        }

        public String label() {
            return hasLimits() ? method + "@" + limits : hasBudget() ? method + "@" + budget : method;
        }
    }

    /**
     * A group of records: a token budget (limits null) or a budget in units. Sorted: no budget, token budgets
     * ascending, then units by kind and size (1s before 10s).
     */
    record BudgetKey(int budget, String limits) implements Comparable<BudgetKey> {
        static BudgetKey of(EvalRecord r) {
            return new BudgetKey(r.budget(), r.limits());
        }

        @Override
        public int compareTo(BudgetKey o) {
            if ((limits == null) != (o.limits == null)) return limits == null ? -1 : 1;
            if (limits == null) return Integer.compare(budget, o.budget);
            var a = dev.bgl.budget.Budget.parse(limits).limits().getFirst();
            var b = dev.bgl.budget.Budget.parse(o.limits).limits().getFirst();
            int c = a.getClass().getSimpleName().compareTo(b.getClass().getSimpleName());
            if (c != 0) return c;
            c = Double.compare(size(a), size(b));
            return c != 0 ? c : limits.compareTo(o.limits);
        }

        private static double size(dev.bgl.budget.BudgetUnit u) {
            return switch (u) {
                case dev.bgl.budget.BudgetUnit.Tokens t -> t.n();
                case dev.bgl.budget.BudgetUnit.Seconds t -> t.s();
                case dev.bgl.budget.BudgetUnit.KvBytes t -> t.bytes();
                case dev.bgl.budget.BudgetUnit.Flops t -> t.f();
                case dev.bgl.budget.BudgetUnit.Cost t -> t.total();
            };
        }
    }

    /**
     * @param auc                   normalised area under the accuracy–budget curve (NaN with fewer than two budgets)
     * @param equalAccuracyBudget   smallest budget reaching none's accuracy − 0.01 (null: none reaches it; NO_BUDGET for a method without one)
     * @param thinkingFractionOfNone that row's mean thinking / none's mean thinking (NaN when not reached)
     * @param strictAuc             the same area on strict accuracy
     * @param strictEqualAccuracyBudget the headline: smallest budget whose strict accuracy reaches none's strict accuracy − 0.01
     * @param strictTokenFractionOfNone that row's mean thinking + answer tokens / none's (NaN when not reached)
     */
    public record Curve(String method, double auc, Integer equalAccuracyBudget, double thinkingFractionOfNone,
                        double strictAuc, Integer strictEqualAccuracyBudget, double strictTokenFractionOfNone) {
        /** Lenient: 1 − the thinking fraction at lenient equal accuracy. */
        public double tokensSaved() {
            return Double.isNaN(thinkingFractionOfNone) ? Double.NaN : 1 - thinkingFractionOfNone;
        }

        /** Strict: 1 − the thinking-plus-answer fraction at strict equal accuracy. */
        public double strictTokensSaved() {
            return Double.isNaN(strictTokenFractionOfNone) ? Double.NaN : 1 - strictTokenFractionOfNone;
        }
    }

    /** @param methodOrder the methods in the order rows should appear ({@code none} first) */
    public static EvalSummary of(List<EvalRecord> records, List<String> methodOrder) {
        if (records.isEmpty()) throw new BglException("no records to summarise");
        Map<String, Map<BudgetKey, List<EvalRecord>>> groups = new LinkedHashMap<>();
        for (String m : methodOrder) groups.put(m, new java.util.TreeMap<>());
        for (EvalRecord r : records)
            groups.computeIfAbsent(r.method(), k -> new java.util.TreeMap<>()).computeIfAbsent(BudgetKey.of(r), k -> new ArrayList<>()).add(r);

        Map<String, Integer> noneThinking = new HashMap<>();
        for (EvalRecord r : records) if (r.method().equals("none")) noneThinking.put(r.id(), r.thinkingTokens());

        List<Row> rows = new ArrayList<>();
        groups.forEach((m, byBudget) -> byBudget.forEach((b, rs) -> rows.add(row(m, b, rs, noneThinking))));

        Row none = rows.stream().filter(r -> r.method().equals("none")).findFirst().orElse(null);
        double noneAcc = none == null ? Double.NaN : none.accuracy().value();
        double noneMean = none == null ? Double.NaN : none.thinking().mean();
        double noneStrict = none == null ? Double.NaN : none.strictAccuracy().value();
        double noneTotal = none == null ? Double.NaN : none.meanTotalTokens();
        List<Curve> curves = new ArrayList<>();
        for (String m : groups.keySet()) {
            if (m.equals("none")) continue;
            // the accuracy–budget curve is in tokens: rows in other units are reported, not drawn on it
            List<Row> mr = rows.stream().filter(r -> r.method().equals(m) && !r.hasLimits()).sorted(Comparator.comparingInt(Row::budget)).toList();
            if (mr.isEmpty()) continue;
            curves.add(curve(m, mr, noneAcc, noneMean, noneStrict, noneTotal));
        }
        return new EvalSummary(rows, curves, noneAcc, noneMean, noneStrict, noneTotal);
    }

    static Row row(String method, BudgetKey key, List<EvalRecord> rs, Map<String, Integer> noneThinking) {
        int n = rs.size(), correct = 0, within = 0, maxOver = 0, intervened = 0, within10 = 0, complete = 0;
        int strict = 0, overrun = 0, closes = 0, lineEnds = 0, thinkingWithin = 0;
        long maxKv = -1, totalTokens = 0;
        double over = 0;
        double[] thinking = new double[n], wall = new double[n], tps = new double[n];
        List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EvalRecord r = rs.get(i);
            if (r.correct()) correct++;
            if (r.strictCorrect()) strict++;
            if (r.answerOverrun()) overrun++;
            if (r.closedAtLineEnd() != null) {
                closes++;
                if (r.closedAtLineEnd()) lineEnds++;
            }
            if (r.thinkingWithinBudget()) thinkingWithin++;
            totalTokens += r.totalTokens();
            if (r.withinBudget()) within++;
            if (r.keptLimits(0.10)) within10++;
            if (r.answerComplete()) complete++;
            maxKv = Math.max(maxKv, r.kvBytes());
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
        return new Row(method, key.budget(), n, EvalStats.accuracy(correct, n), EvalStats.summarize(thinking), within / (double) n,
                over / n, maxOver, intervened / (double) n, EvalStats.quantile(sortedWall, 0.5), EvalStats.quantile(sortedWall, 0.95),
                EvalStats.quantile(sortedTps, 0.5), pairs.size(), rho, key.limits(),
                key.limits() == null ? Double.NaN : within10 / (double) n, complete / (double) n, maxKv,
                EvalStats.accuracy(strict, n), overrun / (double) n, closes == 0 ? Double.NaN : lineEnds / (double) closes,
                thinkingWithin / (double) n, totalTokens / (double) n);
    }

    /** @param rows the method's rows, budgets ascending */
    static Curve curve(String method, List<Row> rows, double noneAcc, double noneMean, double noneStrict, double noneTotal) {
        List<Row> budgeted = rows.stream().filter(Row::hasBudget).toList();
        double auc = auc(budgeted, r -> r.accuracy().value()), strictAuc = auc(budgeted, r -> r.strictAccuracy().value());
        Row lenient = equalAccuracyRow(rows, noneAcc, r -> r.accuracy().value());
        Row strict = equalAccuracyRow(rows, noneStrict, r -> r.strictAccuracy().value());
        return new Curve(method, auc, lenient == null ? null : lenient.budget(),
                lenient == null || !(noneMean > 0) ? Double.NaN : lenient.thinking().mean() / noneMean,
                strictAuc, strict == null ? null : strict.budget(),
                strict == null || !(noneTotal > 0) ? Double.NaN : strict.meanTotalTokens() / noneTotal);
    }

    private static double auc(List<Row> budgeted, java.util.function.ToDoubleFunction<Row> accuracy) {
        if (budgeted.size() < 2) return Double.NaN;
        return EvalStats.normalizedAuc(budgeted.stream().mapToDouble(Row::budget).toArray(), budgeted.stream().mapToDouble(accuracy).toArray());
    }

    /** The first row (smallest budget) whose accuracy reaches {@code none}'s less one point; null when none does. */
    private static Row equalAccuracyRow(List<Row> rows, double noneAccuracy, java.util.function.ToDoubleFunction<Row> accuracy) {
        if (Double.isNaN(noneAccuracy)) return null;
        double target = noneAccuracy - EQUAL_ACCURACY_TOLERANCE - 1e-12; // the epsilon absorbs rounding of k/n
        for (Row r : rows) if (accuracy.applyAsDouble(r) >= target) return r;
        return null;
    }

    public Row row(String method, int budget) {
        return rows.stream().filter(r -> r.method().equals(method) && !r.hasLimits() && r.budget() == budget).findFirst().orElse(null);
    }

    /** The row of a budget in units, as given ({@code 2s}). */
    public Row row(String method, String limits) {
        return rows.stream().filter(r -> r.method().equals(method) && limits.equals(r.limits())).findFirst().orElse(null);
    }

    public Curve curve(String method) {
        return curves.stream().filter(c -> c.method().equals(method)).findFirst().orElse(null);
    }
}
