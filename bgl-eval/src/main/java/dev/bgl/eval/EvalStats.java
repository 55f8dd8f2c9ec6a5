package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.util.Arrays;

/** Summary statistics for evaluation results: accuracy with a Wilson interval, mean/median/p90, area under an accuracy-vs-budget curve. */
public final class EvalStats {
    private EvalStats() {}

    /** z for a two-sided 95% interval. */
    static final double Z95 = 1.959963984540054;

    /** correct/total with its 95% Wilson score interval [low, high]. */
    public record Accuracy(int correct, int total, double value, double low, double high) {}

    /** Mean, median and 90th percentile (linear interpolation between order statistics, as numpy's default). */
    public record Summary(int count, double mean, double median, double p90) {}

    public static Accuracy accuracy(int correct, int total) {
        if (total <= 0) throw new BglException("accuracy of an empty set (total = " + total + ")");
        if (correct < 0 || correct > total) throw new BglException("correct = " + correct + " is outside 0.." + total);
        double n = total, p = correct / n, z2 = Z95 * Z95;
        // Wilson: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n); stays inside [0,1] even at p = 0 or 1.
        double centre = p + z2 / (2 * n);
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        double denom = 1 + z2 / n;
        return new Accuracy(correct, total, p, Math.max(0, (centre - half) / denom), Math.min(1, (centre + half) / denom));
    }

    public static Summary summarize(double... values) {
        if (values.length == 0) throw new BglException("summary of an empty list");
        for (double v : values) if (!Double.isFinite(v)) throw new BglException("summary of a list holding " + v);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double v : sorted) sum += v;
        return new Summary(sorted.length, sum / sorted.length, quantile(sorted, 0.5), quantile(sorted, 0.9));
    }

    /** q-th quantile of sorted values: position q·(n-1), interpolated between its neighbours. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Area under the piecewise-linear curve through (budget[i], accuracy[i]) by the trapezoid rule, divided by the
     * budget range, so a flat curve at accuracy a scores a. Budgets must be strictly increasing, at least two points.
     */
    public static double normalizedAuc(double[] budgets, double[] accuracies) {
        if (budgets.length != accuracies.length)
            throw new BglException("budget/accuracy lists differ in length: " + budgets.length + " vs " + accuracies.length);
        if (budgets.length < 2) throw new BglException("area under a curve needs at least two budgets, got " + budgets.length);
        double area = 0;
        for (int i = 0; i < budgets.length; i++) {
            if (!Double.isFinite(budgets[i]) || !Double.isFinite(accuracies[i]))
                throw new BglException("non-finite point (" + budgets[i] + ", " + accuracies[i] + ") at index " + i);
            if (i == 0) continue;
            if (budgets[i] <= budgets[i - 1])
                throw new BglException("budgets must increase: " + budgets[i - 1] + " then " + budgets[i] + " at index " + i);
            area += (budgets[i] - budgets[i - 1]) * (accuracies[i] + accuracies[i - 1]) / 2;
        }
        return area / (budgets[budgets.length - 1] - budgets[0]);
    }
}
