package dev.bgl.budget;

import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;

/**
 * A budget as the user gave it, parsed once and carried unchanged from the request to the outcome,
 * the record and the response: its limits, the text they were written as, and whether it may be
 * overrun. Every rule about a budget lives here: what a lone token limit means, whether a run kept
 * it, which limits cannot be borrowed from, which method a request without one gets.
 *
 * <p>Forms: no limits ({@link #NONE}: think freely); one token limit (the classic thinking budget,
 * which every method reads directly); limits in other units, or several limits ({@code 5s,64MB}),
 * which the methods read through a {@link BudgetController} as the thinking tokens left at each step.
 *
 * @param limits the limits, each kind at most once (empty: none)
 * @param source the text the budget was written as ({@code 300}, {@code 5s,64MB}; empty for none)
 * @param soft   the thinking may pass the budget (guidance without its ceiling); limits in seconds and
 *               KV bytes are kept regardless, as they cannot be borrowed from
 */
public record Budget(List<BudgetUnit> limits, String source, boolean soft) {
    /** No budget: the model thinks as long as it wants. */
    public static final Budget NONE = new Budget(List.of(), "", false);

    public Budget {
        limits = limits == null ? List.of() : List.copyOf(limits);
        source = source == null ? "" : source;
        for (int i = 0; i < limits.size(); i++)
            for (int j = 0; j < i; j++)
                if (limits.get(i).getClass() == limits.get(j).getClass())
                    throw new BglException("bad budget '" + source + "': two limits of the same kind ("
                            + limits.get(j).label() + " and " + limits.get(i).label() + ")");
    }

    /** A thinking budget of {@code n} tokens. */
    public static Budget tokens(int n) {
        if (n < 0) throw new BglException("budget must be >= 0 thinking tokens, got " + n);
        return new Budget(List.of(new BudgetUnit.Tokens(n)), Integer.toString(n), false);
    }

    /** These limits, written back as {@code source}. */
    public static Budget of(List<BudgetUnit> limits, String source) {
        return limits == null || limits.isEmpty() ? NONE : new Budget(limits, source, false);
    }

    /** These limits, written back as their labels joined by ",". */
    public static Budget of(BudgetUnit... limits) {
        return of(List.of(limits), String.join(",", java.util.Arrays.stream(limits).map(BudgetUnit::label).toList()));
    }

    /**
     * A budget as users write it: one limit ({@code 300}, {@code 5s}, {@code 64MB}, {@code 2GFLOP},
     * {@code 0.05$@0.5/1k}) or several joined by {@code ,} or {@code +} ({@code 5s,64MB}, {@code 5s+64MB}).
     */
    public static Budget parse(String text) {
        if (text == null || text.isBlank()) throw new BglException("bad budget '" + text + "': empty");
        List<BudgetUnit> out = new ArrayList<>();
        // '+' separates limits except in an exponent (5e+9FLOP)
        for (String part : text.split(",|(?<![eE])\\+", -1)) out.add(BudgetUnit.parse(part));
        try {
            return new Budget(out, text.strip(), false);
        } catch (BglException e) {
            throw new BglException(e.getMessage().replace("'" + text.strip() + "'", "'" + text + "'"));
        }
    }

    /** The same budget, soft ({@code true}) or kept as the runner keeps budgets. */
    public Budget withSoft(boolean s) {
        return s == soft ? this : new Budget(limits, source, s);
    }

    /** Whether there is no limit at all. */
    public boolean unlimited() {
        return limits.isEmpty();
    }

    /**
     * Whether this is the classic thinking budget: a single token limit. Methods read it directly;
     * any other limit (or several) goes through a {@link BudgetController}.
     */
    public boolean tokensOnly() {
        return limits.size() == 1 && limits.getFirst() instanceof BudgetUnit.Tokens;
    }

    /** The thinking tokens of a {@link #tokensOnly} budget; 0 otherwise (the value records write as the budget then). */
    public int tokens() {
        return tokensOnly() ? (int) ((BudgetUnit.Tokens) limits.getFirst()).n() : 0;
    }

    /** Whether this asks for no thinking at all: a token budget of 0 (every method then prefills an empty thinking). */
    public boolean zero() {
        return tokensOnly() && tokens() == 0;
    }

    /** Whether the budget has a limit that cannot be overrun (wall clock or KV memory). */
    public boolean hasHardLimit() {
        return limits.stream().anyMatch(u -> u instanceof BudgetUnit.Seconds || u instanceof BudgetUnit.KvBytes);
    }

    /** The limits that need a {@link BudgetController} (empty for none and for a lone token limit). */
    public List<BudgetUnit> controlled() {
        return tokensOnly() ? List.of() : limits;
    }

    /** The token limit (alone or beside others), or −1 without one. */
    public long tokenLimit() {
        for (BudgetUnit u : limits) if (u instanceof BudgetUnit.Tokens t) return t.n();
        return -1;
    }

    /**
     * The fewest generated tokens that let a run think its whole token budget and still answer:
     * the token limit plus the answer's reserve (0 without a token limit). A smaller max-tokens would
     * cut the answer off silently, so requests below it are refused.
     */
    public long maxTokensNeeded() {
        long t = tokenLimit();
        return t < 0 ? 0 : t + BudgetController.DEFAULT_ANSWER_RESERVE;
    }

    /** The KV bytes limit, or {@link Long#MAX_VALUE} without one. */
    public long kvBytesLimit() {
        long fit = Long.MAX_VALUE;
        for (BudgetUnit u : limits) if (u instanceof BudgetUnit.KvBytes k) fit = Math.min(fit, k.bytes());
        return fit;
    }

    /**
     * The method a request gets when it names none: guidance if a predictor is loaded, else the hard
     * cut engines use; a request without a budget thinks freely.
     */
    public Method defaultMethod(boolean hasPredictor) {
        return unlimited() ? new Method.None() : Method.budgetDefault(hasPredictor);
    }

    /**
     * Whether a run kept this budget, strictly: no answer overrun (reasoning after the thinking
     * closed is reasoning), and every limit within what it spent. A limit whose spend was not
     * measured ({@link Spent} with NaN or −1) is not shown kept. {@code secondsSlack}: a share the wall clock may
     * pass the seconds limit by (0: none), for figures measured outside the run.
     */
    public boolean kept(Spent spent, double secondsSlack) {
        if (spent.answerOverrun()) return false;
        for (BudgetUnit u : limits) {
            boolean ok = switch (u) {
                case BudgetUnit.Tokens t -> spent.thinkingTokens() <= t.n();
                case BudgetUnit.Seconds s -> spent.seconds() <= s.s() * (1 + secondsSlack);
                case BudgetUnit.KvBytes b -> spent.kvBytes() >= 0 && spent.kvBytes() <= b.bytes();
                case BudgetUnit.Flops f -> spent.flops() <= f.f();
                case BudgetUnit.Cost c -> spent.tokensProcessed() >= 0 && spent.tokensProcessed() * c.pricePer1kTokens() / 1000 <= c.total();
            };
            if (!ok) return false;
        }
        return true;
    }

    /** {@link #kept(Spent, double)} without slack. */
    public boolean kept(Spent spent) {
        return kept(spent, 0);
    }

    /** The thinking tokens past a token limit (0 when within it, or without one). */
    public int overshoot(int thinkingTokens) {
        long over = 0;
        for (BudgetUnit u : limits) if (u instanceof BudgetUnit.Tokens t) over = Math.max(over, thinkingTokens - t.n());
        return (int) over;
    }

    /** The budget as the user would read it back: "300 tokens", "5 s + 64 MB", "none". */
    public String label() {
        if (unlimited()) return "none";
        return String.join(" + ", limits.stream().map(BudgetUnit::label).toList());
    }

    /**
     * What a run spent, in every unit a budget may have: the thinking tokens, whether the answer
     * overran, the wall clock of the whole run, the KV cache's bytes, the FLOPs, and the tokens
     * processed (prompt and generated, what cost counts). NaN or −1: not measured.
     */
    public record Spent(int thinkingTokens, boolean answerOverrun, double seconds, long kvBytes, double flops,
                        long tokensProcessed) {
        /** Only the thinking and the answer measured. */
        public static Spent thinking(int thinkingTokens, boolean answerOverrun) {
            return new Spent(thinkingTokens, answerOverrun, Double.NaN, -1, Double.NaN, -1);
        }
    }
}
