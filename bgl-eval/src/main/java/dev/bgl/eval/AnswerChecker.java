package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.util.List;
import java.util.Optional;

/**
 * Judges a model's answer against a gold answer. One implementation per checker type a task can name:
 * "math" (LaTeX answers, {@link MathEquivalence}), "number" (numeric answers: GSM8K, AIME, AMC),
 * "choice" (multiple-choice letters) and "exact" (trimmed text equality).
 */
public sealed interface AnswerChecker permits MathChecker, NumberChecker, ChoiceChecker, ExactChecker {
    /** The checker names, as task files and {@link EvalProblem#checker()} spell them. */
    List<String> NAMES = List.of("math", "number", "choice", "exact");

    /** The name task files use for this checker (one of {@link #NAMES}). */
    default String name() {
        return switch (this) {
            case MathChecker c -> "math";
            case NumberChecker c -> "number";
            case ChoiceChecker c -> "choice";
            case ExactChecker c -> "exact";
        };
    }

    /**
     * The final answer in a model's output, or empty when there is none to judge. By default
     * {@link AnswerExtractor}'s (the last \\boxed{}, else an answer phrase, else the last number);
     * checkers whose answers have a narrower form (a number, a letter) override it.
     */
    default Optional<String> extract(String modelOutput) {
        return AnswerExtractor.extract(modelOutput);
    }

    /** Whether an extracted answer means the same as the gold one. */
    boolean equivalent(String predicted, String gold);

    /** Extract, then compare; no answer counts as wrong. */
    default boolean check(String modelOutput, String gold) {
        return extract(modelOutput).map(p -> equivalent(p, gold)).orElse(false);
    }

    static AnswerChecker of(String name) {
        return switch (name) {
            case "math" -> MathChecker.INSTANCE;
            case "number" -> NumberChecker.INSTANCE;
            case "choice" -> ChoiceChecker.INSTANCE;
            case "exact" -> ExactChecker.INSTANCE;
            case null -> throw new BglException("no answer checker named");
            default -> throw new BglException("unknown answer checker '" + name + "' (expected one of " + NAMES + ")");
        };
    }
}
