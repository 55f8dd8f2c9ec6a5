package dev.bgl.budget;

/**
 * The thinking tokens a strategy may still spend, asked at every step. A fixed token budget is
 * {@code budget - spent}; a {@link BudgetController} converts seconds, memory or compute into
 * tokens from what the run has measured so far. The value may be negative (already overspent):
 * strategies with a grace beyond the budget read how far.
 */
public interface ThinkingBudget {
    /**
     * @param spent         thinking tokens spent so far
     * @param contextLength tokens in the sequence so far (prompt and generated), 0 when unknown
     */
    int remaining(int spent, int contextLength);

    /** The classic budget: {@code tokens} thinking tokens. */
    static ThinkingBudget fixed(int tokens) {
        if (tokens < 0) throw new IllegalArgumentException("budget must be >= 0, got " + tokens);
        return new Fixed(tokens);
    }

    record Fixed(int tokens) implements ThinkingBudget {
        public int remaining(int spent, int contextLength) {
            return tokens - spent;
        }
    }
}
