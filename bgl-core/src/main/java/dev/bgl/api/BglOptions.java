package dev.bgl.api;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.model.KvCacheType;
import dev.bgl.util.BglException;

import java.nio.file.Path;

/**
 * How {@link Bgl#load(Path, BglOptions)} opens a model.
 *
 * @param threads     worker threads of the kernels (0: all cores, or what was set before); the pool is the
 *                    process's, so the last model loaded with a thread count sets it for all: set it once,
 *                    before any model answers
 * @param predictor   the budget predictor for the {@code guided} method (null: the one beside the model,
 *                    {@code NAME.predictor.safetensors} for {@code NAME.gguf}, if there is one)
 * @param noPredictor load no predictor even if one lies beside the model (budgets then default to {@code hard})
 * @param answerMax   tokens the answer may take after the thinking (0: the model card's)
 * @param kvType      the KV cache's element type ({@code F16}: half the memory of {@code F32}, as llama.cpp)
 * @param concurrency generations that may run at once (the rest wait their turn); see {@link BglModel}
 * @param thinkingFormat the model's thinking markers (null: the ones its chat template and vocabulary show;
 *                    {@link ThinkingMarkers#parse} reads a name or OPEN,CLOSE)
 */
public record BglOptions(int threads, Path predictor, boolean noPredictor, int answerMax, KvCacheType kvType,
                         int concurrency, ThinkingMarkers thinkingFormat) {
    /** All cores, the predictor beside the model, the card's answer cap, an F16 KV cache, one generation at a time. */
    public static final BglOptions DEFAULT = new BglOptions(0, null, false, 0, KvCacheType.F16, 1);

    public BglOptions {
        if (threads < 0 || threads > 1024) throw new BglException("threads must be in 1..1024 (0: all cores), got " + threads);
        if (answerMax < 0) throw new BglException("answer cap must be >= 1 token (0: the model card's), got " + answerMax);
        if (kvType == null) kvType = KvCacheType.F16;
        if (concurrency < 1 || concurrency > 64) throw new BglException("concurrency must be in 1..64, got " + concurrency);
        if (noPredictor && predictor != null) throw new BglException("both a predictor (" + predictor + ") and no predictor asked for");
    }

    /** Options with the model's own thinking format. */
    public BglOptions(int threads, Path predictor, boolean noPredictor, int answerMax, KvCacheType kvType, int concurrency) {
        this(threads, predictor, noPredictor, answerMax, kvType, concurrency, null);
    }

    /** The thinking format to load the model with (its markers must be tokens of its vocabulary). */
    public BglOptions withThinkingFormat(ThinkingMarkers f) {
        return new BglOptions(threads, predictor, noPredictor, answerMax, kvType, concurrency, f);
    }

    public BglOptions withThreads(int n) {
        return new BglOptions(n, predictor, noPredictor, answerMax, kvType, concurrency, thinkingFormat);
    }

    /** The predictor file (or a model folder holding one) for {@code guided}. */
    public BglOptions withPredictor(Path p) {
        return new BglOptions(threads, p, false, answerMax, kvType, concurrency, thinkingFormat);
    }

    /** No predictor, even one beside the model. */
    public BglOptions withoutPredictor() {
        return new BglOptions(threads, null, true, answerMax, kvType, concurrency, thinkingFormat);
    }

    public BglOptions withAnswerMax(int tokens) {
        return new BglOptions(threads, predictor, noPredictor, tokens, kvType, concurrency, thinkingFormat);
    }

    public BglOptions withKvType(KvCacheType t) {
        return new BglOptions(threads, predictor, noPredictor, answerMax, t, concurrency, thinkingFormat);
    }

    public BglOptions withConcurrency(int n) {
        return new BglOptions(threads, predictor, noPredictor, answerMax, kvType, n, thinkingFormat);
    }
}
