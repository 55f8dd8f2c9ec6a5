package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.util.Arrays;

/**
 * Accuracy as a function of the thinking budget for one difficulty bucket: measured points joined by straight
 * lines, flat after the last point. Points are made non-decreasing on construction (a running maximum), since
 * more budget never forces a method to think less; noise that dips is read as "no gain", not as a loss.
 *
 * @param budgets  ascending, distinct, the first >= 0
 * @param accuracy accuracy in [0, 1] at each budget
 */
public record AccuracyCurve(int[] budgets, double[] accuracy) {
    public AccuracyCurve {
        if (budgets.length == 0 || budgets.length != accuracy.length)
            throw new BglException("accuracy curve: need as many accuracies as budgets, at least one (got " + budgets.length + " and " + accuracy.length + ")");
        budgets = budgets.clone();
        accuracy = accuracy.clone();
        for (int i = 0; i < budgets.length; i++) {
            if (budgets[i] < 0 || (i > 0 && budgets[i] <= budgets[i - 1]))
                throw new BglException("accuracy curve: budgets must be >= 0 and ascending, got " + Arrays.toString(budgets));
            if (!(accuracy[i] >= 0 && accuracy[i] <= 1))
                throw new BglException("accuracy curve: accuracy must be in [0, 1], got " + accuracy[i]);
            if (i > 0) accuracy[i] = Math.max(accuracy[i], accuracy[i - 1]);
        }
    }

    /** Accuracy at this budget: the first point's below it, linear between points, the last point's beyond. */
    public double at(double budget) {
        if (budget <= budgets[0]) return accuracy[0];
        for (int i = 1; i < budgets.length; i++) {
            if (budget <= budgets[i]) {
                double t = (budget - budgets[i - 1]) / (budgets[i] - budgets[i - 1]);
                return accuracy[i - 1] + t * (accuracy[i] - accuracy[i - 1]);
            }
        }
        return accuracy[accuracy.length - 1];
    }

    /**
     * The most accuracy per token reachable from {@code budget}: the steepest chord to a later point. This is the
     * slope of the curve's upper concave hull there, so a greedy allocator does not stall on a flat stretch
     * that a later rise pays for. 0 at or beyond the last point.
     */
    public double gainPerToken(double budget) {
        double here = at(budget), best = 0;
        for (int i = 0; i < budgets.length; i++)
            if (budgets[i] > budget) best = Math.max(best, (accuracy[i] - here) / (budgets[i] - budget));
        return best;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < budgets.length; i++)
            s.append(i == 0 ? "" : " ").append(budgets[i]).append(':').append(String.format(java.util.Locale.ROOT, "%.3f", accuracy[i]));
        return s.toString();
    }
}
