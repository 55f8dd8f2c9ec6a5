package dev.bgl.decode;

/**
 * One link of the decode loop's processor chain, after llama.cpp's sampler chain
 * ({@code apply} to the candidates, {@code accept} the chosen token) and vLLM v1's
 * {@code LogitsProcessor}. Budget strategies are processors: the loop itself knows nothing of
 * budgets. A processor that must put text into the output (a {@code </think>}, an early-stop
 * message) asks the loop through {@link DecodeControl}. The loop keeps the thinking state
 * ({@link ThinkingState}); processors read it from the {@link Step} instead of following the phases
 * themselves.
 */
public interface LogitsProcessor {

    /**
     * Called once after the prompt is fed, before the first token. A processor that must insert
     * before the model's first token (a budget of 0 on a prompt that already opened the thinking)
     * does it here. {@code start} is the state the prompt leaves: nothing generated, its phase.
     */
    default void begin(Step start, DecodeControl control) {
    }

    /** Adjusts the raw logits of the next token in place (set −∞ to forbid a token). */
    void apply(Step step, float[] logits);

    /**
     * Called just before {@link #apply} with the same step and logits: the work {@code apply} will
     * need that batches across sequences ({@link BatchedWork}), or null. The loop runs it (alone or
     * with other sequences' works) before calling {@code apply}. The default needs none.
     */
    default BatchedWork prepare(Step step, float[] logits) {
        return null;
    }

    /**
     * Sees each token that enters the sequence: sampled ones and those inserted through
     * {@link DecodeControl}. {@code forced} tells which; {@code step} holds the thinking state
     * after the token.
     */
    default void accept(Step step, int token, boolean forced, DecodeControl control) {
    }

    /** True when {@link #apply} never changes which token has the highest logit (lets a greedy loop skip work). */
    default boolean argmaxInvariant() {
        return false;
    }

    /** True when {@link #apply} reads {@link Step#hidden()}; the loop then asks the model for hidden states. */
    default boolean needsHiddenStates() {
        return false;
    }
}
