package dev.bgl.budget;

import dev.bgl.decode.GenerateResult;

/**
 * What a budgeted generation produced and spent.
 *
 * @param thinking           the thinking text (between the think markers, inserted text included)
 * @param answer             the text after {@code </think>} (the whole output when thinking never opened)
 * @param thinkingTokens     tokens strictly inside the thinking, inserted ones included: what the budget counts
 * @param answerTokens       tokens after {@code </think>}
 * @param thinkingClosed     whether {@code </think>} was reached
 * @param intervened         whether the method forced text in (a cut, an early-stop message, a ceiling)
 * @param predictedThinking  the predictor's expected thinking length before thinking started (NaN without one)
 */
public record BudgetOutcome(Method method, int budget, GenerateResult result, String thinking, String answer,
                            int thinkingTokens, int answerTokens, boolean thinkingClosed, boolean intervened,
                            double predictedThinking) {

    /** Whether the thinking stayed within the budget (always true for methods without one). */
    public boolean withinBudget() {
        return !method.usesBudget() || thinkingTokens <= budget;
    }

    /** Thinking tokens beyond the budget (0 when within it). */
    public int overshoot() {
        return method.usesBudget() ? Math.max(0, thinkingTokens - budget) : 0;
    }
}
