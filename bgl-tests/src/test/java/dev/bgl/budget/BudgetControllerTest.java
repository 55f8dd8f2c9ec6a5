package dev.bgl.budget;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The controller's arithmetic on a fake clock: every expectation is worked out by hand below. */
class BudgetControllerTest {
    static final long MS = 1_000_000;
    /** 1000 parameters, 100 KV bytes per token, 10 attention FLOPs per context token. */
    static final BudgetController.CostModel COST = new BudgetController.CostModel(1000, 100, 10);

    /** A clock the test moves by hand. */
    static final class FakeClock {
        long now;

        long get() {
            return now;
        }
    }

    static BudgetController controller(FakeClock clock, int reserve, BudgetUnit... limits) {
        return new BudgetController(List.of(limits), COST, reserve, clock::get);
    }

    /** Prompt of {@code prompt} tokens prefilled in {@code prefillMs}, then {@code n} tokens each {@code msPerToken}. */
    static void run(BudgetController c, FakeClock clock, int prompt, long prefillMs, int n, long msPerToken) {
        c.start(prompt);
        clock.now += prefillMs * MS;
        c.afterPrefill();
        for (int i = 0; i < n; i++) {
            clock.now += msPerToken * MS;
            c.onToken();
        }
    }

    @Test
    void tokensLimitIsTheClassicBudgetWithoutReserve() {
        var clock = new FakeClock();
        var c = controller(clock, 16, new BudgetUnit.Tokens(300));
        run(c, clock, 10, 5, 3, 1);
        assertEquals(300 - 42, c.remainingThinking(42, 0));
        assertEquals(-5, c.remainingThinking(305, 0), "overspent reads negative");
    }

    @Test
    void secondsCountPrefillDecodeRateAndReserve() {
        var clock = new FakeClock();
        var c = controller(clock, 16, new BudgetUnit.Seconds(1));
        // prefill 200 ms, then 10 tokens at 10 ms: 300 ms used, 700 ms left at 10 ms/token = 70 tokens, less 16
        run(c, clock, 50, 200, 10, 10);
        assertEquals(10 * MS, c.smoothedNanosPerToken(), 1e-6);
        assertEquals(200 * MS, c.prefillNanos());
        assertEquals(70 - 16, c.remainingThinking(5, 0));
    }

    @Test
    void decodeRateIsExponentiallySmoothed() {
        var clock = new FakeClock();
        var c = controller(clock, 0, new BudgetUnit.Seconds(10));
        run(c, clock, 1, 0, 1, 10);           // first step sets the rate: 10 ms
        assertEquals(10 * MS, c.smoothedNanosPerToken(), 1e-6);
        clock.now += 20 * MS;
        c.onToken();                           // 0.2·20 + 0.8·10 = 12 ms
        assertEquals(12 * MS, c.smoothedNanosPerToken(), 1e-6);
        clock.now += 2 * MS;
        c.onToken();                           // 0.2·2 + 0.8·12 = 10 ms
        assertEquals(10 * MS, c.smoothedNanosPerToken(), 1e-6);
        // the forecast is the larger of the smoothed 10 ms and the mean 32 / 3 ms: floor(9968 / (32/3)) = floor(934.5) = 934
        assertEquals(32.0 / 3 * MS, c.meanNanosPerToken(), 1e-6);
        assertEquals(934, c.remainingThinking(3, 0));
    }

    @Test
    void aStallIsRememberedByTheMeanAfterTheSmoothedRateForgetsIt() {
        var clock = new FakeClock();
        var c = controller(clock, 0, new BudgetUnit.Seconds(2));
        c.start(1);
        c.afterPrefill();
        clock.now += 1 * MS;
        c.onToken();                  // 1 ms
        clock.now += 91 * MS;
        c.onToken();                  // a 91 ms stall (the process lost the CPU)
        for (int i = 0; i < 30; i++) { // then 30 steps at 1 ms: the smoothed rate is back near 1 ms
            clock.now += MS;
            c.onToken();
        }
        assertTrue(c.smoothedNanosPerToken() < 1.1 * MS, "smoothed " + c.smoothedNanosPerToken());
        // 32 steps in 122 ms: 3.8125 ms a token; 1878 ms left → floor(492.6) = 492 tokens, not ~1800
        assertEquals(122.0 / 32 * MS, c.meanNanosPerToken(), 1e-6);
        assertEquals(492, c.remainingThinking(32, 0));
    }

    @Test
    void theClockStartsWhereTheCallerSays() {
        var clock = new FakeClock();
        var c = controller(clock, 0, new BudgetUnit.Seconds(1));
        clock.now = 500 * MS;
        c.start(10, 200 * MS);         // rendering and the session took 300 ms before the prompt was fed
        clock.now += 100 * MS;
        c.afterPrefill();
        assertEquals(400 * MS, c.prefillNanos());
        assertEquals(400 * MS, c.elapsedNanos());
        // no step yet: the prefill's 40 ms a token forecasts; 600 ms left → 15 tokens
        assertEquals(15, c.remainingThinking(0, 0));
    }

    @Test
    void slowerMachineGetsASmallerR() {
        var fastClock = new FakeClock();
        var fast = controller(fastClock, 16, new BudgetUnit.Seconds(5));
        run(fast, fastClock, 100, 100, 50, 10);
        var slowClock = new FakeClock();
        var slow = controller(slowClock, 16, new BudgetUnit.Seconds(5));
        run(slow, slowClock, 100, 300, 50, 30); // the same run, three times slower
        int rf = fast.remainingThinking(50, 0), rs = slow.remainingThinking(50, 0);
        assertEquals((5000 - 100 - 500) / 10 - 16, rf);
        assertEquals((5000 - 300 - 1500) / 30 - 16, rs);
        assertTrue(rs < rf);
    }

    @Test
    void kvLimitCountsTheWholeContext() {
        var clock = new FakeClock();
        var c = controller(clock, 16, new BudgetUnit.KvBytes(10_000)); // 100 tokens of 100 B
        run(c, clock, 30, 1, 4, 1);
        assertEquals(100 - 34 - 16, c.remainingThinking(4, 0), "own context: 30 prompt + 4 tokens");
        assertEquals(100 - 40 - 16, c.remainingThinking(4, 40), "a longer context reported wins");
        assertEquals(3400, c.kvBytes());
    }

    @Test
    void flopsIncludePromptAndAttentionAtTheCurrentContext() {
        var clock = new FakeClock();
        // token at position p costs 2·1000 + 10·(p+1); prompt of 2 tokens: 2010 + 2020 = 4030
        var c = controller(clock, 0, new BudgetUnit.Flops(4030 + 2030 + 2040 + 2050 + 5));
        c.start(2);
        assertEquals(4030, c.flopsSpent(), 1e-9);
        c.afterPrefill();
        assertEquals(3, c.remainingThinking(0, 0), "positions 2, 3, 4 fit; 5 more FLOPs do not buy a fourth");
        c.onToken();
        assertEquals(4030 + 2030, c.flopsSpent(), 1e-9);
        assertEquals(2, c.remainingThinking(1, 0));
        c.onToken();
        c.onToken();
        assertEquals(0, c.remainingThinking(3, 0));
        c.onToken();
        assertTrue(c.remainingThinking(4, 0) < 0, "overspent reads negative");
    }

    @Test
    void flopsClosedFormMatchesCountingOneByOne() {
        var c = controller(new FakeClock(), 0, new BudgetUnit.Flops(1));
        for (double budget : new double[]{0.5, 2010, 2011, 1e5, 1e7, 3.3e8}) {
            for (int ctx : new int[]{0, 7, 1000}) {
                long k = 0;
                double sum = 0;
                while (sum + COST.flopsAt(ctx + k) <= budget) sum += COST.flopsAt(ctx + k++);
                assertEquals(k, c.tokensForFlops(budget, ctx), budget + " at " + ctx);
            }
        }
    }

    @Test
    void costCountsEveryTokenAtOnePrice() {
        var clock = new FakeClock();
        // 0.05 at 0.5 per 1k tokens = 100 tokens
        var c = controller(clock, 10, new BudgetUnit.Cost(0.5, 0.05));
        run(c, clock, 20, 1, 5, 1);
        assertEquals(100 - 25 - 10, c.remainingThinking(5, 0));
        assertEquals("cost 0.0125$ / 0.05$", c.spentSummary(5));
    }

    @Test
    void theTightestLimitWins() {
        var clock = new FakeClock();
        var c = controller(clock, 16, new BudgetUnit.Seconds(1), new BudgetUnit.KvBytes(10_000), new BudgetUnit.Tokens(500));
        run(c, clock, 30, 200, 10, 10); // seconds: 70 - 16 = 54; KV: 100 - 40 - 16 = 44; tokens: 490
        assertEquals(44, c.remainingThinking(10, 0));
        clock.now += 400 * MS;          // 300 ms left: 30 - 16 = 14 now beats KV
        assertEquals(14, c.remainingThinking(10, 0));
        String s = c.spentSummary(10);
        assertTrue(s.contains("time 700 ms / 1 s") && s.contains("KV 4 KB / 10 KB") && s.contains("thinking 10 / 500 tokens"), s);
    }

    @Test
    void badSetupIsAnError() {
        assertThrows(BglException.class, () -> new BudgetController(List.of(), COST));
        assertThrows(BglException.class, () -> new BudgetController(List.of(new BudgetUnit.Seconds(1)), COST, -1, System::nanoTime));
    }
}
