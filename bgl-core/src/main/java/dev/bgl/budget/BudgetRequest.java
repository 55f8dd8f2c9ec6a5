package dev.bgl.budget;

import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.Cancellation;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.util.BglException;

import java.util.List;

/**
 * One question to answer under a budget.
 *
 * @param messages  the conversation; the last one is the user's question
 * @param method    how the budget is spent
 * @param budget    the budget as the user gave it ({@link Budget#NONE} for methods that read none: it is
 *                  dropped for them, so that what is kept and reported is what was enforced)
 * @param sampler   sampling settings (greedy by default)
 * @param maxTokens hard cap on generated tokens, thinking and answer together
 */
public record BudgetRequest(List<ChatMessage> messages, Method method, Budget budget, SamplerConfig sampler,
                            int maxTokens, Cancellation cancellation) {

    public BudgetRequest {
        messages = List.copyOf(messages);
        if (messages.isEmpty()) throw new BglException("budget request: no messages");
        if (method == null) throw new BglException("budget request: no method");
        if (budget == null || !method.usesBudget()) budget = Budget.NONE;
        if (method.usesBudget() && budget.unlimited())
            throw new BglException("budget method '" + method.name() + "' needs a budget");
        if (method instanceof Method.Prompt && !budget.tokensOnly())
            throw new BglException("budget method 'prompt' asks for a number of tokens in words: give the budget in tokens, not "
                    + budget.label());
        if (maxTokens <= 0) throw new BglException("budget request: max tokens must be > 0, got " + maxTokens);
        if (sampler == null) throw new BglException("budget request: no sampler settings");
        if (cancellation == null) cancellation = new Cancellation();
    }

    /** One question, greedy, under a thinking budget of {@code budget} tokens (ignored by methods that read none). */
    public static BudgetRequest of(String question, Method method, int budget, int maxTokens) {
        return of(question, method, method.usesBudget() ? Budget.tokens(budget) : Budget.NONE, maxTokens);
    }

    /** One question, greedy, under this budget. */
    public static BudgetRequest of(String question, Method method, Budget budget, int maxTokens) {
        return new BudgetRequest(List.of(ChatMessage.user(question)), method, budget, SamplerConfig.GREEDY, maxTokens, new Cancellation());
    }

    public BudgetRequest withSampler(SamplerConfig s) {
        return new BudgetRequest(messages, method, budget, s, maxTokens, cancellation);
    }

    public BudgetRequest withCancellation(Cancellation c) {
        return new BudgetRequest(messages, method, budget, sampler, maxTokens, c);
    }

    /** The same request under another budget. */
    public BudgetRequest withBudget(Budget b) {
        return new BudgetRequest(messages, method, b, sampler, maxTokens, cancellation);
    }

    /** Whether the request asks for no thinking at all: a token budget of 0 (every method then prefills an empty thinking). */
    public boolean noThinking() {
        return method.usesBudget() && budget.zero();
    }
}
