package dev.bgl.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A linear equation built by applying difficulty operations (+n, -n, *n) to x, e.g.
 * "3*(x+4)-5=22"; solved by undoing the outermost operation one step at a time. Values stay in
 * 1..99 and divisors are single digits, so every step is a table fact or a small addition.
 */
public record LinearTask() implements TaskFamily {
    @Override
    public String name() {
        return "linear";
    }

    @Override
    public int maxDifficulty() {
        return 8;
    }

    @Override
    public Problem generate(SplittableRandom rnd, int difficulty) {
        Traces.checkDifficulty(this, difficulty);
        int d = difficulty;
        char[] kind = new char[d];
        int[] arg = new int[d];
        String[] expr = new String[d + 1];
        int[] value = new int[d + 1];
        expr[0] = "x";
        value[0] = rnd.nextInt(1, 13);
        boolean sum = false; // whether expr[i] ends in + or - (needs parentheses before a multiplication)
        for (int i = 0; i < d; i++) {
            int v = value[i];
            boolean canMul = (i == 0 || kind[i - 1] != '*') && v <= 49;
            if (canMul && rnd.nextBoolean()) {
                kind[i] = '*';
                arg[i] = rnd.nextInt(2, Math.min(9, 99 / v) + 1);
                value[i + 1] = v * arg[i];
                expr[i + 1] = arg[i] + "*" + (sum ? "(" + expr[i] + ")" : expr[i]);
                sum = false;
            } else {
                boolean sub = v > 1 && (v + 1 > 99 || rnd.nextInt(5) < 2);
                kind[i] = sub ? '-' : '+';
                arg[i] = sub ? rnd.nextInt(1, Math.min(9, v - 1) + 1) : rnd.nextInt(1, Math.min(9, 99 - v) + 1);
                value[i + 1] = sub ? v - arg[i] : v + arg[i];
                expr[i + 1] = expr[i] + kind[i] + arg[i];
                sum = true;
            }
        }
        String x = Integer.toString(value[0]);
        List<TraceLine> compact = new ArrayList<>(), detailed = new ArrayList<>(), check = new ArrayList<>();
        detailed.add(TraceLine.text(expr[d] + "=" + value[d]));
        for (int i = d - 1; i >= 0; i--) {
            String undo = value[i + 1] + inverse(kind[i]) + arg[i];
            compact.add(TraceLine.of("", undo, value[i], ""));
            detailed.add(TraceLine.of(expr[i] + "=", undo, value[i], ""));
        }
        compact.add(TraceLine.text("x=" + x));
        check.add(TraceLine.text("x=" + x));
        for (int i = 0; i < d; i++) check.add(TraceLine.of("", value[i] + String.valueOf(kind[i]) + arg[i], value[i + 1], ""));
        return Traces.problem(this, difficulty, "Solve for x: " + expr[d] + "=" + value[d], x,
                compact, detailed, check, rnd);
    }

    private static String inverse(char k) {
        return switch (k) {
            case '+' -> "-";
            case '-' -> "+";
            default -> "/";
        };
    }
}
