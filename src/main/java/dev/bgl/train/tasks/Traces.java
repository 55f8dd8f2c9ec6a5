package dev.bgl.train.tasks;

import dev.bgl.util.BglException;

import java.util.List;
import java.util.SplittableRandom;

/** Assembles the three styled traces of a problem from its compact, detailed and check steps. */
final class Traces {
    private Traces() {
    }

    static void checkDifficulty(TaskFamily f, int d) {
        if (d < f.minDifficulty() || d > f.maxDifficulty())
            throw new BglException("task " + f.name() + ": difficulty " + d + " is outside "
                    + f.minDifficulty() + ".." + f.maxDifficulty());
    }

    /**
     * VERIFIED is the detailed pass (maybe with one slip and its correction), then "check:" and a
     * second computation, then "ok" and the answer, so it too ends with the answer.
     */
    static Problem problem(TaskFamily f, int d, String question, String answer, List<Step> compact,
                           List<Step> detailed, List<Step> check, SplittableRandom rnd) {
        boolean slip = rnd.nextDouble() < TaskFamily.SLIP_PROBABILITY;
        String verified = Step.join(detailed, slip, rnd) + "\ncheck:\n" + Step.join(check, false, rnd) + "\nok " + answer;
        return new Problem(f.name(), d, question, answer, List.of(
                new Solution(Style.COMPACT, Step.join(compact, false, rnd)),
                new Solution(Style.DETAILED, Step.join(detailed, false, rnd)),
                new Solution(Style.VERIFIED, verified)));
    }
}
