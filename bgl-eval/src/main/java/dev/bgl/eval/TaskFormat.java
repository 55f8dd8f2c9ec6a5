package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.util.Locale;
import java.util.Set;

/** The JSONL layouts the loader reads. Each names the fields it needs; see {@link TaskLoader}. */
public enum TaskFormat {
    /** openai/grade-school-math: {@code question}, {@code answer} = worked solution ending in {@code #### <number>}. */
    GSM8K("number"),
    /** MATH / MATH-500 (prm800k split): {@code problem}, {@code solution}, {@code answer}, {@code subject}, {@code level}, {@code unique_id}. */
    MATH("math"),
    /** AIME / AMC as collected for Qwen2.5-Math: {@code problem} or {@code question}, numeric {@code answer}, {@code id}. */
    COMPETITION("number"),
    /** Our own: {@code prompt}, {@code answer}, optional {@code checker} (default math) and {@code id}. */
    GENERIC("math");

    /** The checker problems of this format get (GENERIC: unless the record names one). */
    public final String defaultChecker;

    TaskFormat(String defaultChecker) {
        this.defaultChecker = defaultChecker;
    }

    /** Parses a user-given name: gsm8k, math (math500), competition (aime, amc), generic. */
    public static TaskFormat parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "gsm8k" -> GSM8K;
            case "math", "math500", "math-500" -> MATH;
            case "competition", "aime", "amc", "aime24", "amc23" -> COMPETITION;
            case "generic" -> GENERIC;
            default -> throw new BglException("unknown task format '" + name + "' (expected gsm8k, math, aime, amc or generic)");
        };
    }

    /**
     * Guesses the format from the field names of the first record; null when none fits.
     * Order matters: a MATH record also has problem+answer (like AIME), so the MATH-only fields are checked first,
     * and AMC records carry both problem and question, so GSM8K needs question without problem.
     */
    static TaskFormat detect(Set<String> fields, boolean answerHasHashes) {
        if (fields.contains("prompt") && fields.contains("answer")) return GENERIC;
        if (fields.contains("problem") && fields.contains("answer")
                && (fields.contains("unique_id") || fields.contains("subject") || fields.contains("level"))) return MATH;
        if (fields.contains("question") && fields.contains("answer") && !fields.contains("problem") && answerHasHashes) return GSM8K;
        if ((fields.contains("problem") || fields.contains("question")) && fields.contains("answer")) return COMPETITION;
        return null;
    }
}
