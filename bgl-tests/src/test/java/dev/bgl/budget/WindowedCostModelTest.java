package dev.bgl.budget;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * KV bytes and FLOPs of a model with sliding-window layers (gpt-oss): the windowed layers stop
 * growing at their window, so a budget in bytes or FLOPs holds more tokens past it than a linear
 * count says. Each figure is checked against the definition summed token by token.
 */
class WindowedCostModelTest {
    /** 1000 parameters; 100 KV bytes and 10 attention FLOPs per context token over all layers, 40 and 4 of them on layers with a window of 8. */
    static final BudgetController.CostModel COST = new BudgetController.CostModel(1000, 100, 10, 8, 40, 4);

    @Test
    void kvBytesStopGrowingOnWindowedLayersPastTheWindow() {
        assertEquals(500, COST.kvBytes(5));
        assertEquals(800, COST.kvBytes(8));
        assertEquals(800 + 60 * 12, COST.kvBytes(20), "past the window only the full layers' 60 bytes a token");
        for (long bytes = 0; bytes <= 5000; bytes += 7) {
            long t = COST.tokensWithin(bytes);
            assertTrue(COST.kvBytes(t) <= bytes && COST.kvBytes(t + 1) > bytes, bytes + " bytes: " + t + " tokens");
        }
        var allWindowed = new BudgetController.CostModel(1000, 100, 10, 8, 100, 10);
        assertEquals(Long.MAX_VALUE, allWindowed.tokensWithin(800), "every layer windowed: past the window nothing grows");
        assertEquals(7, allWindowed.tokensWithin(799));
        var plain = new BudgetController.CostModel(1000, 100, 10);
        assertEquals(50, plain.tokensWithin(5000));
        assertEquals(5000, plain.kvBytes(50));
    }

    @Test
    void flopsCountTheWindowOnWindowedLayers() {
        // the token at position p attends to p + 1 keys on full layers, min(p + 1, 8) on windowed ones
        for (long p = 0; p < 30; p++) {
            long keys = p + 1;
            double expect = 2000 + 6.0 * keys + 4.0 * Math.min(keys, 8);
            assertEquals(expect, COST.flopsAt(p), 1e-9, "position " + p);
        }
    }

    @Test
    void aFlopsBudgetHoldsTheTokensWhoseSummedFlopsFit() {
        BudgetController c = new BudgetController(List.of(BudgetUnit.parse("1GFLOP")), COST, 0, System::nanoTime);
        for (int ctx : new int[]{0, 3, 7, 8, 50})
            for (double flops : new double[]{1, 2000, 2100, 25_000, 1e6, 3.3e7}) {
                long k = 0;
                double sum = 0;
                while (sum + COST.flopsAt(ctx + k) <= flops) sum += COST.flopsAt(ctx + k++);
                assertEquals(k, c.tokensForFlops(flops, ctx), "ctx " + ctx + ", " + flops + " FLOPs");
                assertEquals(sum, c.flopsOf(ctx, k), 1e-6 * Math.max(1, sum), "the closed form of the sum");
            }
    }
}
