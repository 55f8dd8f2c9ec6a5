package dev.bgl.api;

import dev.bgl.budget.Budget;
import dev.bgl.budget.Method;

/**
 * One answer and what its budget did.
 *
 * @param thinking       the thinking text (between the think markers; empty when the model did not think)
 * @param text           the answer after the thinking, stripped of surrounding whitespace
 * @param thinkingTokens tokens spent thinking: what a token budget counts
 * @param answerTokens   tokens of the answer
 * @param generatedTokens every token generated: thinking, answer, the markers and the end of turn (what usage counts)
 * @param promptTokens   tokens of the prompt as the method rendered it
 * @param budget         the budget asked for
 * @param method         the method that kept it (the budget's default when none was asked for)
 * @param budgetKept     whether every limit of the budget was kept and the answer did not overrun its cap
 *                       ({@link Budget#kept}); always true for {@link Budget#NONE}
 * @param thinkingClosed whether the thinking ended ({@code </think>} reached) before the run stopped
 * @param intervened     whether the method forced text in while decoding (a cut, a ceiling, "**Final Answer**")
 * @param stopReason     why the run ended: {@code end_of_generation}, {@code max_tokens}, {@code answer_cap},
 *                       {@code cancelled}, {@code context_full}, ...
 * @param seconds        wall-clock seconds of the run, prompt included
 */
public record Answer(String thinking, String text, int thinkingTokens, int answerTokens, int generatedTokens, int promptTokens, Budget budget,
                     Method method, boolean budgetKept, boolean thinkingClosed, boolean intervened, String stopReason,
                     double seconds) {
    /** Whether the run was stopped through its {@link dev.bgl.decode.Cancellation} (or by {@link BglModel#close}). */
    public boolean cancelled() {
        return "cancelled".equals(stopReason);
    }
}
