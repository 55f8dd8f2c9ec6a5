package dev.bgl.server;

import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.Method;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code serve --max-thinking-budget}: a server-wide ceiling on thinking, in any units, with
 * per-request budgets below it (llama.cpp users asked for this, #23673). A request's limit of a kind
 * the ceiling has is lowered to the ceiling's when it asks for more; a kind the request does not
 * limit gets the ceiling's; a request with no limit at all (budget_mode none) runs under the ceiling
 * with the default method. A request without thinking ({@code nothink}) is left alone.
 */
public final class BudgetCeiling {
    private BudgetCeiling() {
    }

    /** The option's value as limits (null or blank: no ceiling); a bad value is one error naming the option. */
    public static List<BudgetUnit> parse(String text) {
        if (text == null || text.isBlank()) return List.of();
        try {
            return dev.bgl.budget.Budget.parse(text).limits();
        } catch (BglException e) {
            throw new BglException("--max-thinking-budget: " + e.getMessage());
        }
    }

    /** The request after the ceiling, and whether the ceiling changed its limits. */
    record Applied(ParsedRequest request, boolean capped) {
    }

    static Applied apply(List<BudgetUnit> ceiling, ParsedRequest p, boolean hasPredictor) {
        if (ceiling.isEmpty() || p.method() instanceof Method.NoThink) return new Applied(p, false);
        Method m = p.method().usesBudget() ? p.method() : Method.budgetDefault(hasPredictor);
        List<BudgetUnit> limits = new ArrayList<>();
        boolean capped = !p.method().usesBudget();
        for (BudgetUnit u : p.budget().limits()) {
            BudgetUnit c = sameKind(ceiling, u);
            if (c != null && size(u) > size(c)) {
                limits.add(c);
                capped = true;
            } else {
                limits.add(u);
            }
        }
        for (BudgetUnit c : ceiling) {
            if (sameKind(p.budget().limits(), c) == null) {
                limits.add(c);
                capped = true;
            }
        }
        if (!capped) return new Applied(p, false);
        List<String> spec = new ArrayList<>();
        for (BudgetUnit u : limits) spec.add(spec(u));
        return new Applied(p.withLimits(m, limits, String.join(",", spec)), true);
    }

    private static BudgetUnit sameKind(List<BudgetUnit> list, BudgetUnit u) {
        for (BudgetUnit o : list) if (o.getClass() == u.getClass()) return o;
        return null;
    }

    /** How much a limit allows, comparable within a kind (a cost: the tokens it buys). */
    private static double size(BudgetUnit u) {
        return switch (u) {
            case BudgetUnit.Tokens t -> t.n();
            case BudgetUnit.Seconds s -> s.s();
            case BudgetUnit.KvBytes k -> k.bytes();
            case BudgetUnit.Flops f -> f.f();
            case BudgetUnit.Cost c -> c.total() / c.pricePer1kTokens() * 1000;
        };
    }

    /** A limit as a budget string BudgetUnit reads back ("300tok", "5s", "64000000B"). */
    static String spec(BudgetUnit u) {
        return switch (u) {
            case BudgetUnit.Tokens t -> t.n() + "tok";
            case BudgetUnit.Seconds s -> BudgetUnit.num(s.s()) + "s";
            case BudgetUnit.KvBytes k -> k.bytes() + "B";
            case BudgetUnit.Flops f -> BudgetUnit.num(f.f()) + "FLOP";
            case BudgetUnit.Cost c -> BudgetUnit.num(c.total()) + "$@" + BudgetUnit.num(c.pricePer1kTokens()) + "/1k";
        };
    }
}
