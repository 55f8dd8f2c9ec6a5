package dev.bgl.budget;

import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Step;

/**
 * The {@code hard} baseline, as vLLM, SGLang and llama.cpp cut thinking: once the thinking has
 * spent its budget, close it by inserting the closing text (by default {@code "\n</think>\n\n"}, the
 * separator Qwen3-style models are trained with), wherever the thought is. The answer is then
 * decoded normally.
 */
public final class HardCutoff implements LogitsProcessor {
    public static final String DEFAULT_CLOSE = "\n</think>\n\n";

    private final ThinkingTracker tracker;
    private final int budget;
    private final String closeText;
    private boolean fired;

    /**
     * @param tracker   a fresh tracker, owned by this processor from now on (it sees every token)
     * @param budget    thinking tokens allowed; the cut follows the token that reaches it
     * @param closeText inserted to close the thinking
     */
    public HardCutoff(ThinkingTracker tracker, int budget, String closeText) {
        if (budget < 0) throw new IllegalArgumentException("budget must be >= 0, got " + budget);
        this.tracker = tracker;
        this.budget = budget;
        this.closeText = closeText;
    }

    public HardCutoff(ThinkingTracker tracker, int budget) {
        this(tracker, budget, DEFAULT_CLOSE);
    }

    public ThinkingTracker tracker() {
        return tracker;
    }

    @Override
    public void apply(Step step, float[] logits) {
        // nothing: the cut happens by insertion, so the logits are never touched
    }

    @Override
    public boolean argmaxInvariant() {
        return true;
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        tracker.accept(token);
        if (!fired && tracker.thinking() && tracker.spent() >= budget) {
            fired = true;
            control.insertText(closeText);
        }
    }

    /** Whether the cut was made (the model had not closed its thinking within the budget). */
    public boolean fired() {
        return fired;
    }
}
