package dev.bgl.chat.jinja;

import java.time.Duration;

/**
 * Bounds on what rendering one template may cost. Exceeding any of them stops rendering with a
 * {@link TemplateException}; they make an untrusted template (from a model file) safe to run.
 *
 * @param maxOutputChars    longest output, and longest string or list built on the way
 * @param maxLoopIterations for-loop iterations over the whole render
 * @param maxMacroDepth     macro calls nested inside each other (recursion)
 * @param maxNesting        syntactic nesting of statements and expressions, and of rendered values
 * @param maxRangeSize      longest list {@code range(...)} may build
 * @param timeout           wall-clock time for one render
 */
public record TemplateLimits(int maxOutputChars, long maxLoopIterations, int maxMacroDepth, int maxNesting,
                             int maxRangeSize, Duration timeout) {
    public static final TemplateLimits DEFAULT =
        new TemplateLimits(1_000_000, 1_000_000, 64, 100, 100_000, Duration.ofSeconds(2));

    public TemplateLimits {
        if (maxOutputChars < 1 || maxLoopIterations < 1 || maxMacroDepth < 1 || maxNesting < 4 || maxRangeSize < 1
            || timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("template limits must be positive");
        }
    }
}
