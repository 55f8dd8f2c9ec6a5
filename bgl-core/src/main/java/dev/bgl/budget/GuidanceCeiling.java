package dev.bgl.budget;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.InsertingProcessor;
import dev.bgl.decode.Step;

/**
 * Guidance's hard ceiling ({@link GuidanceOptions#ceilingGrace}): guidance steers the thinking toward
 * the budget but cannot promise it; the ceiling does. Past the budget by {@code grace} tokens it closes
 * the thinking after the next token that contains a newline, so the thought ends at a line end; past
 * it by {@code 2·grace} it closes wherever the thought is. It is {@link HardCutoff}'s cut with a grace
 * for line ends, and, like guidance, it judges only tokens the model wrote: text another link
 * inserts (a forced final answer) runs to its end.
 *
 * <p>Accounting: at a line end the closing text is the format's {@link ThinkingMarkers#closeText}
 * (Qwen3: {@code "</think>\n\n"}), all of it outside the thinking, so the thinking holds at most
 * budget + 2·grace − 1 tokens there; elsewhere it is {@link ThinkingMarkers#cutText}
 * ({@code "\n</think>\n\n"}), whose {@code "\n"} is a thinking token, so the cut comes one token early
 * and the thinking ends at budget + 2·grace exactly. Under a budget read at every step
 * ({@link BudgetController}) "past the budget by n" is R = −n.
 */
final class GuidanceCeiling implements InsertingProcessor {
    private final ThinkingBudget budget;
    private final int grace;
    private final boolean[] newline;
    private final String closeAtNewline, closeAnywhere;
    private boolean fired;

    /**
     * @param newline  per token id, whether its text contains a newline ({@link BudgetGuidance#newlineTokens})
     * @param markers  the model's thinking format: what closes the thinking and starts the answer
     */
    GuidanceCeiling(ThinkingBudget budget, int grace, boolean[] newline, ThinkingMarkers markers) {
        if (grace < 0) throw new IllegalArgumentException("ceiling grace must be >= 0, got " + grace);
        this.budget = budget;
        this.grace = grace;
        this.newline = newline;
        this.closeAtNewline = markers.closeText();
        this.closeAnywhere = markers.cutText();
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        if (fired || forced || !step.thinking()) return;
        boolean nl = token >= 0 && token < newline.length && newline[token];
        // over = spent - budget for a fixed budget; in general how far past R = 0 the thinking is
        long over = -(long) budget.remaining(step.thinkingSpent(), step.position() + 1);
        // the inserted "\n" is a thinking token too: close one early so the thinking ends at budget + 2·grace exactly
        if (over >= 2L * grace - 1) {
            fired = true;
            control.insertText(nl ? closeAtNewline : closeAnywhere);
        } else if (over >= grace && nl) {
            fired = true;
            control.insertText(closeAtNewline);
        }
    }

    /** Whether the ceiling closed the thinking. */
    boolean fired() {
        return fired;
    }
}
