package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.util.Map;
import java.util.Objects;

/**
 * One benchmark question: the prompt shown to the model, the gold answer, and which
 * {@link AnswerChecker} judges a model's answer against it ("math", "number", "choice", "exact").
 * {@code meta} carries the source's other fields (subject, level, solution, url...) as text.
 */
public record EvalProblem(String id, String prompt, String answer, String checker, Map<String, String> meta) {
    public EvalProblem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(checker, "checker");
        if (!AnswerChecker.NAMES.contains(checker))
            throw new BglException("problem " + id + ": unknown checker '" + checker + "' (expected one of " + AnswerChecker.NAMES + ")");
        meta = meta == null ? Map.of() : Map.copyOf(meta);
    }

    /** The checker this problem names. */
    public AnswerChecker answerChecker() {
        return AnswerChecker.of(checker);
    }
}
