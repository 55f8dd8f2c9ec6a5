package dev.bgl.budget;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BudgetTest {

    @Test
    void aLoneTokenLimitIsTheClassicBudget() {
        Budget b = Budget.parse("300");
        assertTrue(b.tokensOnly());
        assertEquals(300, b.tokens());
        assertEquals(List.of(), b.controlled());
        assertEquals(b, Budget.tokens(300));
        assertTrue(Budget.tokens(0).zero());
        assertFalse(Budget.parse("300,5s").tokensOnly());
        assertEquals(0, Budget.parse("5s").tokens());
    }

    @Test
    void limitsJoinWithCommaOrPlusButNotInAnExponent() {
        Budget b = Budget.parse("5e+9FLOP+2s");
        assertEquals(List.of(new BudgetUnit.Flops(5e9), new BudgetUnit.Seconds(2)), b.limits());
        assertEquals("5e+9FLOP+2s", b.source());
        assertEquals(b.limits(), Budget.parse("5e+9FLOP,2s").limits());
        assertTrue(Budget.parse("64MB,1s").hasHardLimit());
        assertFalse(Budget.parse("64GFLOP").hasHardLimit());
    }

    @Test
    void badBudgetsNameTheText() {
        var e = assertThrows(BglException.class, () -> Budget.parse("5s,2s"));
        assertTrue(e.getMessage().contains("'5s,2s'") && e.getMessage().contains("same kind"), e.getMessage());
        assertThrows(BglException.class, () -> Budget.parse(" "));
        assertThrows(BglException.class, () -> Budget.tokens(-1));
        assertTrue(assertThrows(BglException.class, () -> Budget.parse("3 parsecs")).getMessage().contains("parsecs"));
    }

    @Test
    void keptCountsEveryLimitAndTheAnswer() {
        Budget b = Budget.parse("100,2s,1MB");
        assertTrue(b.kept(new Budget.Spent(100, false, 2.0, 1_000_000, Double.NaN, -1)));
        assertFalse(b.kept(new Budget.Spent(101, false, 1, 10, 0, 0)), "a token over");
        assertFalse(b.kept(new Budget.Spent(10, true, 1, 10, 0, 0)), "reasoning in the answer");
        assertFalse(b.kept(new Budget.Spent(10, false, 2.1, 10, 0, 0)), "over the clock");
        assertTrue(b.kept(new Budget.Spent(10, false, 2.1, 10, 0, 0), 0.1), "within the slack");
        assertFalse(b.kept(new Budget.Spent(10, false, 1, 1_000_001, 0, 0)), "over the KV limit");
        assertFalse(b.kept(Budget.Spent.thinking(10, false)), "an unmeasured limit is not shown kept");
        assertTrue(Budget.tokens(10).kept(Budget.Spent.thinking(10, false)), "tokens are always measured");
        assertFalse(Budget.parse("0.01$@1/1k").kept(new Budget.Spent(0, false, 0, 0, 0, 11)));
        assertTrue(Budget.NONE.kept(Budget.Spent.thinking(100_000, false)));
        assertFalse(Budget.NONE.kept(Budget.Spent.thinking(0, true)));
        assertEquals(7, Budget.tokens(30).overshoot(37));
        assertEquals(0, Budget.tokens(30).overshoot(3));
    }

    @Test
    void theDefaultMethodIsGuidanceWhenThereIsAPredictor() {
        assertInstanceOf(Method.Guided.class, Budget.tokens(50).defaultMethod(true));
        assertInstanceOf(Method.Hard.class, Budget.tokens(50).defaultMethod(false));
        assertInstanceOf(Method.None.class, Budget.NONE.defaultMethod(true));
    }
}
