package dev.bgl.server;

import dev.bgl.budget.Budget;
import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.Method;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.SamplerConfig;

import java.util.List;

/**
 * A validated generation request of either endpoint, ready to become a
 * {@link dev.bgl.budget.BudgetRequest}.
 *
 * @param budget           the budget, as the client gave it or as the server set it (policy, ceiling, max_tokens);
 *                         {@link Budget#NONE}: none. Soft when the client asked {@code "soft_budget": true}
 * @param user             the {@code user} field (null: absent)
 * @param maxTokensDefault whether max_tokens was absent (the server's default: it may shrink to fit the memory limits)
 */
public record ParsedRequest(List<ChatMessage> messages, boolean stream, int maxTokens, SamplerConfig sampler,
                            Method method, Budget budget, String user, boolean maxTokensDefault) {

    /** The question the policy and the feedback store key on: the last user message. */
    public String question() {
        for (int i = messages.size() - 1; i >= 0; i--)
            if (messages.get(i).role().equals("user")) return messages.get(i).content();
        return messages.getLast().content();
    }

    /** Whether the client gave no budget at all (no budget field, no reasoning_effort): the policy may choose one. */
    public boolean noBudgetGiven() {
        return budget.unlimited();
    }

    /** The thinking-token limit, for responses and the feedback store (null: none in tokens). */
    public Integer budgetTokens() {
        long t = budget.tokenLimit();
        return t < 0 ? null : (int) t;
    }

    /** The budget as the client (or the server) wrote it, for responses (null: none). */
    public String budgetSpec() {
        return budget.unlimited() ? null : budget.source();
    }

    /** This request under limits set by the server (its ceiling, or max_tokens), {@code spec} naming them for the response. */
    public ParsedRequest withLimits(Method m, List<BudgetUnit> limits, String spec) {
        return withBudget(m, new Budget(limits, spec, budget.soft()));
    }

    /** This request under a token budget chosen by the server (the budget policy), not by the client. */
    public ParsedRequest withTokenBudget(Method m, int tokens) {
        return withLimits(m, List.of(new BudgetUnit.Tokens(tokens)), tokens + "tok");
    }

    private ParsedRequest withBudget(Method m, Budget b) {
        return new ParsedRequest(messages, stream, maxTokens, sampler, m, b, user, maxTokensDefault);
    }
}
