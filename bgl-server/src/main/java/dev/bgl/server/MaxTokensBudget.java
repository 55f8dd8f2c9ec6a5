package dev.bgl.server;

import dev.bgl.budget.BudgetController;
import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.Method;

import java.util.List;

/**
 * A request that gave no budget, whose max_tokens would be spent before its thinking ends, gets a
 * thinking budget from max_tokens that leaves the answer its reserve: the empty answers with
 * finish_reason "length" that vLLM and Ollama users meet (vLLM #42548, #28266; Ollama #17978) when
 * the thinking eats max_tokens. The cut is hard: max_tokens is a limit no soft method may pass.
 * A budget the client gave is left alone (checking it against max_tokens is the parser's job).
 */
final class MaxTokensBudget {
    private MaxTokensBudget() {
    }

    /** Tokens kept for the answer out of max_tokens: the budget controller's reserve, at most half of max_tokens. */
    static int reserve(int maxTokens) {
        return Math.min(BudgetController.DEFAULT_ANSWER_RESERVE, maxTokens / 2);
    }

    /**
     * The request with a budget of max_tokens − reserve when its thinking could otherwise reach
     * max_tokens (the budget chosen for it, if any, plus the reserve is more than max_tokens), else
     * null. {@code clientBudget}: whether the client gave any budget field or budget_mode.
     */
    static ParsedRequest derive(ParsedRequest p, int maxTokens, boolean clientBudget) {
        if (clientBudget || p.method() instanceof Method.NoThink) return null;
        int reserve = reserve(maxTokens), cap = maxTokens - reserve;
        Integer chosen = p.method().usesBudget() ? p.budgetTokens() : null;
        boolean otherUnits = p.budget().limits().stream().anyMatch(u -> !(u instanceof BudgetUnit.Tokens));
        if (chosen != null && chosen <= cap || otherUnits) return null;
        return p.withLimits(new Method.Hard(), List.of(new BudgetUnit.Tokens(cap)), cap + "tok");
    }

    static String reason(int maxTokens, Integer chosen) {
        int reserve = reserve(maxTokens);
        return "max_tokens " + maxTokens + " would be spent before the thinking ends"
                + (chosen == null ? "" : " under the " + chosen + "-token budget chosen for it")
                + ": the thinking gets " + (maxTokens - reserve) + " tokens, cut hard, and " + reserve + " are kept for the answer";
    }
}
