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
 * @param answerPhase        what the answer phase did: its cap, whether it overran, where the thinking closed
 * @param spent              what the run spent in every unit its budget has (the thinking and the answer always;
 *                           seconds, KV bytes, FLOPs and tokens processed when the budget has other units)
 */
public record BudgetOutcome(Method method, Budget budget, GenerateResult result, String thinking, String answer,
                            int thinkingTokens, int answerTokens, boolean thinkingClosed, boolean intervened,
                            double predictedThinking, AnswerPhase answerPhase, Budget.Spent spent) {

    public BudgetOutcome {
        if (answerPhase == null) answerPhase = AnswerPhase.UNCHECKED;
        if (budget == null) budget = Budget.NONE;
        if (spent == null) spent = Budget.Spent.thinking(thinkingTokens, answerPhase.overrun(answerTokens));
    }

    /**
     * Whether the budget was kept, strictly ({@link Budget#kept}): every limit, and no answer overrun
     * (for methods without a budget: no overrun). This is the figure users are shown.
     */
    public boolean withinBudget() {
        return budget.kept(spent);
    }

    /** The lenient measure: the thinking within the token budget, whatever the answer did. */
    public boolean thinkingWithinBudget() {
        return overshoot() == 0;
    }

    /** Whether the answer overran its cap or a thinking marker came after the close. */
    public boolean answerOverrun() {
        return answerPhase.overrun(answerTokens);
    }

    /**
     * Why the run ended, as records and responses write it: {@code answer_cap} when the answer guard
     * stopped it, else the loop's reason in lower case ({@code end_of_generation}, {@code max_tokens}, ...).
     */
    public String stopReason() {
        if (result.stopReason() == dev.bgl.decode.StopReason.PROCESSOR && AnswerGuard.ANSWER_CAP.equals(result.stopDetail()))
            return AnswerGuard.ANSWER_CAP;
        return result.stopReason().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Thinking tokens beyond the budget (0 when within it). */
    public int overshoot() {
        return budget.overshoot(thinkingTokens);
    }
}
