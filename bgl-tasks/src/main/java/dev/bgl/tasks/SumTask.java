package dev.bgl.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Sum of k = difficulty + 1 numbers in 1..20. COMPACT keeps a running total ("+3=22"); DETAILED
 * restates the total and splits a two-digit addend into tens and ones; the check adds in reverse.
 */
public record SumTask() implements TaskFamily {
    @Override
    public String name() {
        return "sum";
    }

    @Override
    public int maxDifficulty() {
        return 9;
    }

    @Override
    public Problem generate(SplittableRandom rnd, int difficulty) {
        Traces.checkDifficulty(this, difficulty);
        int k = difficulty + 1;
        int[] xs = new int[k];
        for (int i = 0; i < k; i++) xs[i] = rnd.nextInt(1, 21);
        StringBuilder q = new StringBuilder("Add: ").append(xs[0]);
        for (int i = 1; i < k; i++) q.append('+').append(xs[i]);
        int total = 0;
        for (int x : xs) total += x;
        return Traces.problem(this, difficulty, q.toString(), Integer.toString(total),
                runningTotals(xs, false), detailed(xs), runningTotals(xs, true), rnd);
    }

    /** "7+12=19", "+3=22", ... over the numbers in order or reversed. */
    private static List<TraceLine> runningTotals(int[] xs, boolean reversed) {
        List<TraceLine> steps = new ArrayList<>();
        int n = xs.length;
        int first = reversed ? xs[n - 1] : xs[0];
        int acc = first;
        for (int i = 1; i < n; i++) {
            int x = reversed ? xs[n - 1 - i] : xs[i];
            String op = (i == 1 ? first + "+" : "+") + x;
            acc += x;
            steps.add(TraceLine.of("", op, acc, ""));
        }
        return steps;
    }

    /** "22+18=22+10+8=32+8=40": the last single fact is the slip point. */
    private static List<TraceLine> detailed(int[] xs) {
        List<TraceLine> steps = new ArrayList<>();
        int acc = xs[0];
        for (int i = 1; i < xs.length; i++) {
            int x = xs[i], tens = x / 10 * 10, ones = x % 10;
            if (tens > 0 && ones > 0)
                steps.add(TraceLine.of(acc + "+" + x + "=" + acc + "+" + tens + "+" + ones + "=", (acc + tens) + "+" + ones, acc + x, ""));
            else steps.add(TraceLine.of("", acc + "+" + x, acc + x, ""));
            acc += x;
        }
        return steps;
    }
}
