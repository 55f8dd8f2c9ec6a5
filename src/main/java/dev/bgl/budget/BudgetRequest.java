package dev.bgl.budget;

import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.Cancellation;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.util.BglException;

import java.util.List;

/**
 * One question to answer under a thinking budget.
 *
 * @param messages  the conversation; the last one is the user's question
 * @param method    how the budget is spent
 * @param budget    thinking tokens allowed (ignored by methods that do not use one)
 * @param sampler   sampling settings (greedy by default)
 * @param maxTokens hard cap on generated tokens, thinking and answer together
 * @param limits    budgets in other units (seconds, KV bytes, FLOPs, cost, tokens); when not empty
 *                  they replace {@code budget} for the enforcing methods, which then read the
 *                  thinking left from a {@link BudgetController} at every step
 * @param soft      the budget may be overrun ({@code guided} without its ceiling, even where the runner keeps one):
 *                  a purely soft budget is asked for explicitly; limits in seconds and KV bytes are kept regardless
 */
public record BudgetRequest(List<ChatMessage> messages, Method method, int budget, SamplerConfig sampler,
                            int maxTokens, Cancellation cancellation, List<BudgetUnit> limits, boolean soft) {
    public BudgetRequest(List<ChatMessage> messages, Method method, int budget, SamplerConfig sampler,
                         int maxTokens, Cancellation cancellation, List<BudgetUnit> limits) {
        this(messages, method, budget, sampler, maxTokens, cancellation, limits, false);
    }

    public BudgetRequest(List<ChatMessage> messages, Method method, int budget, SamplerConfig sampler,
                         int maxTokens, Cancellation cancellation) {
        this(messages, method, budget, sampler, maxTokens, cancellation, List.of());
    }

    public BudgetRequest {
        limits = limits == null ? List.of() : List.copyOf(limits);
        messages = List.copyOf(messages);
        if (messages.isEmpty()) throw new BglException("budget request: no messages");
        if (method == null) throw new BglException("budget request: no method");
        if (method.usesBudget() && budget < 0)
            throw new BglException("budget request: budget must be >= 0 thinking tokens, got " + budget);
        if (maxTokens <= 0) throw new BglException("budget request: max tokens must be > 0, got " + maxTokens);
        if (sampler == null) throw new BglException("budget request: no sampler settings");
        if (cancellation == null) cancellation = new Cancellation();
    }

    public static BudgetRequest of(String question, Method method, int budget, int maxTokens) {
        return new BudgetRequest(List.of(ChatMessage.user(question)), method, budget, SamplerConfig.GREEDY, maxTokens, new Cancellation());
    }

    public BudgetRequest withSampler(SamplerConfig s) {
        return new BudgetRequest(messages, method, budget, s, maxTokens, cancellation, limits, soft);
    }

    public BudgetRequest withCancellation(Cancellation c) {
        return new BudgetRequest(messages, method, budget, sampler, maxTokens, c, limits, soft);
    }

    /** The same request under these limits (empty: the token {@code budget} alone). */
    public BudgetRequest withLimits(List<BudgetUnit> l) {
        return new BudgetRequest(messages, method, budget, sampler, maxTokens, cancellation, l, soft);
    }

    /** The same request with its budget soft (true) or kept as the runner keeps budgets (false). */
    public BudgetRequest withSoft(boolean s) {
        return new BudgetRequest(messages, method, budget, sampler, maxTokens, cancellation, limits, s);
    }
}
