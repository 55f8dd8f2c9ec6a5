package dev.bgl.server;

import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.Method;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.SamplerConfig;

import java.util.List;

/**
 * A validated generation request of either endpoint, ready to become a
 * {@link dev.bgl.budget.BudgetRequest}.
 *
 * @param budgetTokens the thinking-token budget (null: none in tokens)
 * @param budgetSpec   the budget as the client gave it, for the response (null: none)
 * @param limits       every limit asked for (tokens, seconds, ...); empty: none
 * @param user         the {@code user} field (null: absent)
 * @param maxTokensDefault whether max_tokens was absent (the server's default: it may shrink to fit the memory limits)
 * @param softBudget   {@code "soft_budget": true}: guidance without its ceiling (the budget may be overrun); by default the server keeps it
 */
public record ParsedRequest(List<ChatMessage> messages, boolean stream, int maxTokens, SamplerConfig sampler,
                            Method method, Integer budgetTokens, String budgetSpec, List<BudgetUnit> limits, String user,
                            boolean maxTokensDefault, boolean softBudget) {

    public ParsedRequest(List<ChatMessage> messages, boolean stream, int maxTokens, SamplerConfig sampler,
                         Method method, Integer budgetTokens, String budgetSpec, List<BudgetUnit> limits, String user,
                         boolean maxTokensDefault) {
        this(messages, stream, maxTokens, sampler, method, budgetTokens, budgetSpec, limits, user, maxTokensDefault, false);
    }

    /** The question the policy and the feedback store key on: the last user message. */
    public String question() {
        for (int i = messages.size() - 1; i >= 0; i--)
            if (messages.get(i).role().equals("user")) return messages.get(i).content();
        return messages.getLast().content();
    }

    /** Whether the client gave no budget at all (no budget field, no reasoning_effort): the policy may choose one. */
    public boolean noBudgetGiven() {
        return limits.isEmpty();
    }

    /** This request under limits set by the server (its ceiling, or max_tokens), {@code spec} naming them for the response. */
    public ParsedRequest withLimits(Method m, List<BudgetUnit> newLimits, String spec) {
        Integer tokens = newLimits.stream().filter(u -> u instanceof BudgetUnit.Tokens).map(u -> (int) ((BudgetUnit.Tokens) u).n())
                .findFirst().orElse(null);
        return new ParsedRequest(messages, stream, maxTokens, sampler, m, tokens, spec, List.copyOf(newLimits), user, maxTokensDefault, softBudget);
    }

    /** This request under a token budget chosen by the server (the budget policy), not by the client. */
    public ParsedRequest withTokenBudget(Method m, int tokens) {
        return new ParsedRequest(messages, stream, maxTokens, sampler, m, tokens, tokens + "tok",
                List.of(new BudgetUnit.Tokens(tokens)), user, maxTokensDefault, softBudget);
    }
}
