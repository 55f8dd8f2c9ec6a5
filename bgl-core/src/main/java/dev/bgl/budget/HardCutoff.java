package dev.bgl.budget;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.InsertingProcessor;
import dev.bgl.decode.Step;

/**
 * The {@code hard} baseline, as vLLM, SGLang and llama.cpp cut thinking: once the thinking has
 * spent its budget, close it by inserting the closing text (the model's {@link ThinkingMarkers#cutText}: for Qwen3 a line
 * end, the close tag and a blank line, the separator its models are trained with), wherever the thought is. The answer is then
 * decoded normally. {@link QwenEarlyStop} is the same cut with a longer closing text.
 *
 * <p>Accounting: the closing text's tokens before the close tag (the {@code "\n"} of the cut text)
 * are thinking tokens too. With a {@code reserve} of that many tokens the cut comes early enough
 * that the thinking holds exactly {@code budget} tokens, as users of a hard limit expect (the
 * {@code hard} method does this); with a reserve of 0 the text is inserted at the budget and
 * the overshoot is that text's length ({@link QwenEarlyStop} does this, as Qwen3's recipe does).
 * A model that closes its thinking within the budget gets no insertion. A budget of 0 closes the
 * thinking as soon as it opens (before the first token when the prompt opened it).
 */
public final class HardCutoff implements InsertingProcessor {
    /** The closing text of the {@code <think>} format ({@link ThinkingMarkers#cutText}); a model's own is its format's. */
    public static final String DEFAULT_CLOSE = ThinkingMarkers.THINK.cutText();

    private final ThinkingBudget budget;
    private final String closeText;
    private final int reserve;
    private boolean fired;
    private int context;

    /**
     * @param budget    thinking tokens allowed; the cut follows the token that reaches it
     * @param closeText inserted to close the thinking
     * @param reserve   thinking tokens the closing text itself adds: the cut comes that many tokens early
     */
    public HardCutoff(int budget, String closeText, int reserve) {
        this(ThinkingBudget.fixed(budget), closeText, reserve);
    }

    /** A cut whose budget is read at every step ({@link BudgetController}: seconds, memory, compute). */
    public HardCutoff(ThinkingBudget budget, String closeText, int reserve) {
        if (reserve < 0) throw new IllegalArgumentException("reserve must be >= 0, got " + reserve);
        this.budget = budget;
        this.closeText = closeText;
        this.reserve = reserve;
    }

    /** Inserts the closing text when the budget is reached (the text's own tokens overshoot it). */
    public HardCutoff(int budget, String closeText) {
        this(budget, closeText, 0);
    }

    public HardCutoff(int budget) {
        this(budget, DEFAULT_CLOSE);
    }

    public HardCutoff(ThinkingBudget budget, String closeText) {
        this(budget, closeText, 0);
    }



    @Override
    public void begin(Step start, DecodeControl control) {
        check(start, control); // the prompt opened the thinking and the budget is 0
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        context = step.position() + 1;
        check(step, control);
    }

    private void check(Step step, DecodeControl control) {
        // fixed budget B: remaining = B - spent <= reserve  <=>  spent >= B - reserve
        // (context, read by a controller for KV bytes: 0 at begin, then the position after each token)
        if (!fired && step.thinking() && budget.remaining(step.thinkingSpent(), context) <= reserve) {
            fired = true;
            control.insertText(closeText);
        }
    }

    /** Whether the cut was made (the model had not closed its thinking within the budget). */
    public boolean fired() {
        return fired;
    }
}
