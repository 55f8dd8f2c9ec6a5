package dev.bgl.model;

import dev.bgl.format.GgufMetadata;

/**
 * What a model file says about the shape of its answers, beyond its architecture: the text that
 * starts an answer in its family (the default model's {@code "Answer:"}; none for most downloaded
 * models) and how many tokens an answer may take after the thinking closes. The answer-phase guard
 * caps answers at {@link #answerMaxTokens}, so a model that re-derives in its answer after an early
 * close is stopped and counted, not credited.
 *
 * @param answerPrefix    text that starts an answer (null: the family has none); a method that closes
 *                        the thinking early may insert it, so the model answers instead of re-deriving
 * @param answerMaxTokens tokens an answer may take after {@code </think>}, end of turn included
 * @param fromFile        whether the file carried these keys (else the defaults for unknown models)
 */
public record ModelCard(String answerPrefix, int answerMaxTokens, boolean fromFile) {
    public static final String ANSWER_PREFIX_KEY = "bgl.answer_prefix";
    public static final String ANSWER_MAX_TOKENS_KEY = "bgl.answer_max_tokens";
    /** A generous cap for models whose card says nothing: long enough for a written-out answer. */
    public static final int DEFAULT_ANSWER_MAX_TOKENS = 1024;
    public static final ModelCard UNKNOWN = new ModelCard(null, DEFAULT_ANSWER_MAX_TOKENS, false);

    public ModelCard {
        if (answerPrefix != null && answerPrefix.isEmpty()) answerPrefix = null;
        if (answerMaxTokens < 1) throw new IllegalArgumentException("answer cap must be >= 1 token, got " + answerMaxTokens);
    }

    /** The card in a GGUF file's metadata; a malformed value is an error naming the file and the key. */
    public static ModelCard of(GgufMetadata meta) {
        boolean any = meta.has(ANSWER_PREFIX_KEY) || meta.has(ANSWER_MAX_TOKENS_KEY);
        if (!any) return UNKNOWN;
        String prefix = meta.string(ANSWER_PREFIX_KEY, null);
        int cap = meta.intIn(ANSWER_MAX_TOKENS_KEY, 1, Integer.MAX_VALUE, DEFAULT_ANSWER_MAX_TOKENS);
        return new ModelCard(prefix, cap, true);
    }

    public ModelCard withAnswerMaxTokens(int n) {
        return new ModelCard(answerPrefix, n, fromFile);
    }
}
