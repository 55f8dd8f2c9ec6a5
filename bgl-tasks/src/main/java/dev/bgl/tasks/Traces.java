package dev.bgl.tasks;

import dev.bgl.util.BglException;

import java.util.List;
import java.util.SplittableRandom;

/** Assembles the styled traces of a problem from its compact, detailed and check steps. */
final class Traces {
    /** Chance of stopping after each step of an EARLY trace (truncated geometric: short cuts are the common ones). */
    static final double EARLY_STOP_HAZARD = 0.25;

    private Traces() {
    }

    static void checkDifficulty(TaskFamily f, int d) {
        if (d < f.minDifficulty() || d > f.maxDifficulty())
            throw new BglException("task " + f.name() + ": difficulty " + d + " is outside "
                    + f.minDifficulty() + ".." + f.maxDifficulty());
    }

    /**
     * VERIFIED is the detailed pass (maybe with one slip and its correction), then "check:" and a
     * second computation, then "ok" and the answer, so it too ends with the answer. EARLY is the
     * compact thinking cut by {@link #cutEarly}; its cut is drawn from the question, not from
     * {@code rnd}, so adding it left every problem stream (and the held-out set) as it was.
     */
    static Problem problem(TaskFamily f, int d, String question, String answer, List<TraceLine> compact,
                           List<TraceLine> detailed, List<TraceLine> check, SplittableRandom rnd) {
        boolean slip = rnd.nextDouble() < TaskFamily.SLIP_PROBABILITY;
        String verified = TraceLine.join(detailed, slip, rnd) + "\ncheck:\n" + TraceLine.join(check, false, rnd) + "\nok " + answer;
        String compactText = TraceLine.join(compact, false, rnd);
        SplittableRandom cutRnd = new SplittableRandom(question.hashCode() * 0x9E3779B97F4A7C15L ^ 0xE4A1L);
        return new Problem(f.name(), d, question, answer, List.of(
                new Solution(Style.COMPACT, compactText),
                new Solution(Style.DETAILED, TraceLine.join(detailed, false, rnd)),
                new Solution(Style.VERIFIED, verified),
                new Solution(Style.EARLY, cutEarly(compactText, cutRnd))));
    }

    /**
     * The first k of the n steps of a compact thinking, k in 1..n-1 with P(k) proportional to
     * h(1-h)^(k-1) (h = {@link #EARLY_STOP_HAZARD}). Steps are its lines, or, for a one-line trace,
     * its comma-separated items (count's "e1,i2,f2"). A trace of one step is returned whole.
     */
    static String cutEarly(String compactThinking, SplittableRandom rnd) {
        char sep = compactThinking.indexOf('\n') >= 0 ? '\n' : ',';
        int n = 1;
        for (int i = 0; i < compactThinking.length(); i++) if (compactThinking.charAt(i) == sep) n++;
        if (n < 2) return compactThinking;
        double total = 0;
        for (int k = 1; k < n; k++) total += Math.pow(1 - EARLY_STOP_HAZARD, k - 1);
        double u = rnd.nextDouble() * total;
        int keep = n - 1;
        for (int k = 1; k < n; k++) {
            u -= Math.pow(1 - EARLY_STOP_HAZARD, k - 1);
            if (u < 0) {
                keep = k;
                break;
            }
        }
        int end = -1;
        for (int k = 0; k < keep; k++) end = compactThinking.indexOf(sep, end + 1);
        return compactThinking.substring(0, end);
    }
}
