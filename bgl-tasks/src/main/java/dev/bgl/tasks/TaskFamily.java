package dev.bgl.tasks;

import dev.bgl.util.BglException;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A generator of problems with verifiable answers. Higher difficulty means more steps, never
 * harder steps: every step is a single-digit fact, a small addition, a comparison or a copy, so a
 * tiny model can learn each one and the thinking length tracks the difficulty.
 */
public sealed interface TaskFamily permits SumTask, MulTask, LinearTask, CountTask {
    /** How often a VERIFIED trace contains a deliberate slip followed by its correction. */
    double SLIP_PROBABILITY = 0.15;

    String name();

    /** Difficulty counts steps, from 1 in every family: one step is the easiest problem there is. */
    default int minDifficulty() {
        return 1;
    }

    /** The hardest level; families whose traces grow fast per level stop earlier. */
    int maxDifficulty();

    /** A problem of the given difficulty, drawn from {@code rnd} only (same state, same problem). */
    Problem generate(SplittableRandom rnd, int difficulty);

    static List<TaskFamily> all() {
        return List.of(new SumTask(), new MulTask(), new LinearTask(), new CountTask());
    }

    static TaskFamily named(String name) {
        for (TaskFamily f : all()) if (f.name().equals(name)) return f;
        throw new BglException("unknown task family '" + name + "' (known: "
                + String.join(", ", all().stream().map(TaskFamily::name).toList()) + ")");
    }
}
