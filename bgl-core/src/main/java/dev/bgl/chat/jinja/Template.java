package dev.bgl.chat.jinja;

import java.util.List;
import java.util.Map;

/**
 * A parsed Jinja template, renderable many times. This is a small engine of our own, made for chat
 * templates (as llama.cpp's minja and Hugging Face's jinja are): Jinja2 syntax and semantics, with
 * Hugging Face's trim_blocks and lstrip_blocks on. It is a sandbox by construction: templates only see
 * plain data (see {@link Values}), and every render is bounded by {@link TemplateLimits}.
 */
public final class Template {
    private final List<Node.Stmt> body;
    private final TemplateLimits limits;

    private Template(List<Node.Stmt> body, TemplateLimits limits) {
        this.body = body;
        this.limits = limits;
    }

    /** Parses a template; throws {@link TemplateException} with line:column and what was expected. */
    public static Template parse(String source) {
        return parse(source, TemplateLimits.DEFAULT);
    }

    public static Template parse(String source, TemplateLimits limits) {
        if (source == null) throw new TemplateException("template source is missing");
        try {
            return new Template(Parser.parse(source, limits.maxNesting()), limits);
        } catch (StackOverflowError e) {
            throw TemplateException.limit("template is nested too deeply to parse");
        }
    }

    /**
     * Renders with the given variables, which must be plain data: null, Boolean, numbers, String,
     * List/Iterable/array and Map of those (copied in; the template cannot change them).
     */
    public String render(Map<String, ?> variables) {
        @SuppressWarnings("unchecked") Map<String, Object> vars = (Map<String, Object>) variables;
        return new Interpreter(limits).render(body, vars);
    }
}
