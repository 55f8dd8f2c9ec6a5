package dev.bgl.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A (1 + difficulty/2)-digit number times a digit, digit by digit from the right with carries; odd
 * difficulties take a digit 6..9 (more and larger carries), even ones 2..5. Two difficulty units per
 * digit keep its thinking length per difficulty in line with the other families.
 * Each line ends with the product so far ("&gt;082"), one digit longer than the line before, so the
 * final product is a copy of the last line and never has to be assembled from distant digits.
 */
public record MulTask() implements TaskFamily {
    @Override
    public String name() {
        return "mul";
    }

    @Override
    public int maxDifficulty() {
        return 9;
    }

    @Override
    public Problem generate(SplittableRandom rnd, int difficulty) {
        Traces.checkDifficulty(this, difficulty);
        int n = 1 + difficulty / 2;
        StringBuilder a = new StringBuilder().append(rnd.nextInt(1, 10));
        for (int i = 1; i < n; i++) a.append(rnd.nextInt(10));
        int m = difficulty % 2 == 0 ? rnd.nextInt(2, 6) : rnd.nextInt(6, 10);
        String digits = a.toString();
        String product = Long.toString(Long.parseLong(digits) * m);
        return Traces.problem(this, difficulty, "Multiply: " + digits + "*" + m, product,
                rows(digits, m, false), rows(digits, m, true), rows(digits, m, false), rnd);
    }

    /**
     * Compact: "4*6+4=28 &gt;82". Detailed: "4*6=24, 24+4=28, carry 2 &gt;82". A last carry
     * becomes its own line ("carry 2 &gt;2082" / "&gt;2082").
     */
    private static List<TraceLine> rows(String digits, int m, boolean detailed) {
        List<TraceLine> steps = new ArrayList<>();
        String partial = "";
        int carry = 0;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0', p = d * m, s = p + carry;
            partial = (s % 10) + partial;
            String keep = " >" + partial;
            if (detailed) {
                String tail = ", carry " + (s / 10) + keep;
                steps.add(carry == 0 ? TraceLine.of("", d + "*" + m, p, tail) : TraceLine.of(d + "*" + m + "=" + p + ", ", p + "+" + carry, s, tail));
            } else {
                steps.add(TraceLine.of("", carry == 0 ? d + "*" + m : d + "*" + m + "+" + carry, s, keep));
            }
            carry = s / 10;
        }
        if (carry > 0) steps.add(TraceLine.text((detailed ? "carry " + carry + " " : "") + ">" + carry + partial));
        return steps;
    }
}
