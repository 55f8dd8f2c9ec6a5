package dev.bgl.train.tasks;

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
    VERIFIED
}
