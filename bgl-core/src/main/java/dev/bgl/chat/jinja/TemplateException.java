package dev.bgl.chat.jinja;

import dev.bgl.util.BglException;

/**
 * A chat template that cannot be parsed or rendered, or that went over a {@link TemplateLimits} bound.
 * Messages start with "chat template: "; errors in the template itself give its line:column.
 */
public final class TemplateException extends BglException {
    private final String problem;
    private final boolean placed;

    public TemplateException(String problem) {
        this(problem, false, "chat template: " + problem);
    }

    public TemplateException(int line, int column, String problem) {
        this(problem, true, "chat template: " + line + ":" + column + ": " + problem);
    }

    private TemplateException(String problem, boolean placed, String message) {
        super(message);
        this.problem = problem;
        this.placed = placed;
    }

    /** A sandbox limit was hit: the message names the limit, not a place in the template. */
    static TemplateException limit(String problem) {
        return new TemplateException(problem, true, "chat template: " + problem);
    }

    /** This error with the position of the construct being evaluated, unless it already has one. */
    TemplateException at(Node.Pos pos) {
        return placed || pos == null ? this : new TemplateException(pos.line(), pos.column(), problem);
    }
}
