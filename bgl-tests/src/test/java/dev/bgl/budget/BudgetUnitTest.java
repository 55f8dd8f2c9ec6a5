package dev.bgl.budget;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BudgetUnitTest {

    @Test
    void parsesEveryUnit() {
        assertEquals(new BudgetUnit.Tokens(300), BudgetUnit.parse("300"));
        assertEquals(new BudgetUnit.Tokens(300), BudgetUnit.parse("300tok"));
        assertEquals(new BudgetUnit.Tokens(300), BudgetUnit.parse(" 300 tokens "));
        assertEquals(new BudgetUnit.Seconds(5), BudgetUnit.parse("5s"));
        assertEquals(new BudgetUnit.Seconds(0.5), BudgetUnit.parse("500ms"));
        assertEquals(new BudgetUnit.Seconds(120), BudgetUnit.parse("2min"));
        assertEquals(new BudgetUnit.KvBytes(64_000_000), BudgetUnit.parse("64MB"));
        assertEquals(new BudgetUnit.KvBytes(1_500_000_000L), BudgetUnit.parse("1.5GB"));
        assertEquals(new BudgetUnit.KvBytes(64L << 20), BudgetUnit.parse("64MiB"));
        assertEquals(new BudgetUnit.KvBytes(512_000), BudgetUnit.parse("512kb"));
        assertEquals(new BudgetUnit.Flops(2e9), BudgetUnit.parse("2GFLOP"));
        assertEquals(new BudgetUnit.Flops(3e12), BudgetUnit.parse("3TFLOP"));
        assertEquals(new BudgetUnit.Flops(5e9), BudgetUnit.parse("5e9FLOP"));
        assertEquals(new BudgetUnit.Cost(0.5, 0.05), BudgetUnit.parse("0.05$@0.5/1k"));
        var e = assertThrows(BglException.class, () -> BudgetUnit.parse("0$@0.5/1k"));
        assertTrue(e.getMessage().contains("'0$@0.5/1k'"), e.getMessage());
    }

    @Test
    void parsesAListAndRejectsTwoOfAKind() {
        assertEquals(List.of(new BudgetUnit.Seconds(5), new BudgetUnit.KvBytes(64_000_000)), Budget.parse("5s,64MB").limits());
        var e = assertThrows(BglException.class, () -> Budget.parse("5s,2s"));
        assertTrue(e.getMessage().contains("5s,2s") && e.getMessage().contains("same kind"), e.getMessage());
        assertThrows(BglException.class, () -> Budget.parse("5s,"));
    }

    @Test
    void badValuesNameThemselves() {
        for (String bad : List.of("fast", "5 parsecs", "-3s", "0s", "1.5tok", "", "3e99999GB", "0MB", "s5", "5s5")) {
            var e = assertThrows(BglException.class, () -> BudgetUnit.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad.strip() + "'") || e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        var e = assertThrows(BglException.class, () -> BudgetUnit.parse("5parsec"));
        assertTrue(e.getMessage().contains("unknown unit 'parsec'"), e.getMessage());
    }

    @Test
    void labelsReadBack() {
        assertEquals("5 s", BudgetUnit.parse("5s").label());
        assertEquals("500 ms", BudgetUnit.parse("500ms").label());
        assertEquals("64 MB", BudgetUnit.parse("64MB").label());
        assertEquals("2 GFLOP", BudgetUnit.parse("2GFLOP").label());
        assertEquals("300 tokens", BudgetUnit.parse("300").label());
        assertEquals("0.05$ at 0.5$/1k tokens", BudgetUnit.parse("0.05$@0.5/1k").label());
    }
}
