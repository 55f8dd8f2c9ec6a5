package dev.bgl.budget;

import dev.bgl.decode.GenerateResult;

/**
 * What a budgeted generation produced and spent.
 *
 * @param thinking           the thinking text (between the think markers, inserted text included)
 * @param answer             the text after {@code </think>} (the whole output when thinking never opened)
 * @param thinkingTokens     tokens strictly inside the thinking, inserted ones included: what the budget counts
 * @param answerTokens       tokens after {@code </think>}
 * @param thinkingClosed     whether {@code </think>} was reached (true for {@code nothink}: its prompt closed it)
 * @param intervened         whether the method forced text in while decoding (a cut, an early-stop message,
 *                           "**Final Answer**", a ceiling); never for {@code prompt} and {@code nothink},
 *                           which act through the prompt only
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
