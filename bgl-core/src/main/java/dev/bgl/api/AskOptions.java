package dev.bgl.api;

import dev.bgl.budget.Method;
import dev.bgl.decode.Cancellation;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.util.BglException;

/**
 * How to ask, besides the budget: the method that keeps it, the sampler, the token cap, and a flag
 * to stop the generation from another thread.
 *
 * @param method       null: the budget's default ({@link dev.bgl.budget.Budget#defaultMethod}: guided
 *                     with a predictor, hard without, none without a budget)
 * @param sampler      greedy by default (the same question gives the same answer)
 * @param maxTokens    most tokens generated, thinking and answer together (0: 1024, or the token
 *                     budget plus the answer cap when that is more)
 * @param cancellation set it to stop the generation at its next token (null: none); the answer so far
 *                     comes back with stop reason {@code cancelled}
 */
public record AskOptions(Method method, SamplerConfig sampler, int maxTokens, Cancellation cancellation) {
    /** The budget's default method, greedy, the default token cap. */
    public static final AskOptions DEFAULT = new AskOptions(null, SamplerConfig.GREEDY, 0, null);

    public AskOptions {
        if (sampler == null) sampler = SamplerConfig.GREEDY;
        if (maxTokens < 0) throw new BglException("max tokens must be >= 1 (0: the default), got " + maxTokens);
    }

    /** These options with a budget method ({@code Method.parse("hard")}, {@code new Method.Guided()}, ...). */
    public AskOptions withMethod(Method m) {
        return new AskOptions(m, sampler, maxTokens, cancellation);
    }

    /** These options with a sampler. */
    public AskOptions withSampler(SamplerConfig s) {
        return new AskOptions(method, s, maxTokens, cancellation);
    }

    /**
     * Sampling at {@code temperature} with this seed, with the filters {@code bgl run} uses (top-k 20,
     * top-p 0.95); 0: greedy.
     */
    public AskOptions withTemperature(float temperature, long seed) {
        return withSampler(temperature <= 0 ? SamplerConfig.GREEDY : new SamplerConfig(temperature, 20, 0.95f, 0f, seed));
    }

    /** These options with a token cap (thinking and answer together). */
    public AskOptions withMaxTokens(int n) {
        if (n < 1) throw new BglException("max tokens must be >= 1, got " + n);
        return new AskOptions(method, sampler, n, cancellation);
    }

    /** These options with a flag that stops the generation when set. */
    public AskOptions withCancellation(Cancellation c) {
        return new AskOptions(method, sampler, maxTokens, c);
    }
}
