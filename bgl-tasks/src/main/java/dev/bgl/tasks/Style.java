package dev.bgl.tasks;

/**
 * How a solution is written. All styles reach the same answer; they differ in how many steps they
 * spell out, so one problem has traces of several lengths.
 */
public enum Style {
    /** Fewest steps: running values only. */
    COMPACT,
    /** Each step spelled out as small single operations. */
    DETAILED,
    /** Detailed, then a check pass that recomputes the result another way; sometimes a slip and its correction. */
    VERIFIED,
    /**
     * The compact thinking stopped after a few whole steps, then the answer. It teaches that
     * {@code </think>} may follow any step (as it may in a real reasoning model), so budget guidance
     * has probability mass to move onto when the budget is tight; the answer after the cut is the
     * model's best guess, which is right less often than after full thinking.
     */
    EARLY
}
