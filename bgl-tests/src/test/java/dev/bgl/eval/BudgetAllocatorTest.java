package dev.bgl.eval;

import dev.bgl.eval.BudgetAllocator.Policy;
import dev.bgl.eval.BudgetAllocator.Request;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class BudgetAllocatorTest {
    /** Easy (predicted < 50): 0.5 at 0, 1.0 at 10 (0.05/token). Hard: 0 at 0, 0.8 at 40 (0.02/token), flat after. */
    static final AccuracyCurves CURVES = new AccuracyCurves("guided", new double[]{50},
            List.of(new AccuracyCurve(new int[]{0, 10}, new double[]{0.5, 1.0}),
                    new AccuracyCurve(new int[]{0, 40}, new double[]{0.0, 0.8})));
    static final List<Request> EASY_HARD = List.of(new Request("easy", 10), new Request("hard", 90));

    static long sum(int[] a) {
        long s = 0;
        for (int x : a) s += x;
        return s;
    }

    @Test
    void uniformGivesEachTheSameFlooredShare() {
        BudgetAllocator a = new BudgetAllocator(Policy.UNIFORM, null, 1);
        assertArrayEquals(new int[]{15, 15}, a.allocate(EASY_HARD, 31));
        assertArrayEquals(new int[]{3, 3, 3}, a.allocate(List.of(new Request("a", 1), new Request("b", 2), new Request("c", 3)), 10));
    }

    @Test
    void proportionalFollowsPredictedLength() {
        BudgetAllocator a = new BudgetAllocator(Policy.PROPORTIONAL, null, 1);
        // 10 : 90 of 100 -> 10, 90; of 55 -> 5.5 -> 5, 49.5 -> 49
        assertArrayEquals(new int[]{10, 90}, a.allocate(EASY_HARD, 100));
        assertArrayEquals(new int[]{5, 49}, a.allocate(EASY_HARD, 55));
        // unknown difficulty weighs 1: NaN vs 3 of 40 -> 10, 30
        assertArrayEquals(new int[]{10, 30}, a.allocate(List.of(new Request("x", Double.NaN), new Request("y", 3)), 40));
    }

    @Test
    void marginalFeedsTheSteeperCurveFirstAndStopsWhenNobodyGains() {
        BudgetAllocator a = new BudgetAllocator(Policy.MARGINAL, CURVES, 1);
        // pool 5: all to easy (0.05/token > 0.02)
        assertArrayEquals(new int[]{5, 0}, a.allocate(EASY_HARD, 5));
        // pool 30: easy saturates at 10, the remaining 20 to hard
        assertArrayEquals(new int[]{10, 20}, a.allocate(EASY_HARD, 30));
        // pool 100: easy 10, hard 40; the other 50 buy nothing and stay in the pool
        assertArrayEquals(new int[]{10, 40}, a.allocate(EASY_HARD, 100));
        // chunks of 7: easy 7, 14 (chunk overruns its knee, gain still >0 at 7), then hard 7, 14, ... within pool 30
        int[] c = new BudgetAllocator(Policy.MARGINAL, CURVES, 7).allocate(EASY_HARD, 30);
        assertArrayEquals(new int[]{14, 16}, c);
    }

    @Test
    void marginalLooksPastAFlatStretch() {
        // flat 0..20, then +0.9 at 30: the hull slope from 0 is 0.03/token, beating a steady 0.01/token curve
        AccuracyCurves cs = new AccuracyCurves("guided", new double[]{50},
                List.of(new AccuracyCurve(new int[]{0, 20, 30}, new double[]{0, 0, 0.9}),
                        new AccuracyCurve(new int[]{0, 100}, new double[]{0, 1.0})));
        int[] b = new BudgetAllocator(Policy.MARGINAL, cs, 1).allocate(List.of(new Request("step", 1), new Request("ramp", 60)), 40);
        assertArrayEquals(new int[]{30, 10}, b);
    }

    @Test
    void poolIsNeverExceeded() {
        Random rnd = new Random(7);
        for (Policy p : Policy.values()) {
            BudgetAllocator a = new BudgetAllocator(p, CURVES, 1 + rnd.nextInt(5));
            for (int t = 0; t < 200; t++) {
                List<Request> rs = new ArrayList<>();
                int n = rnd.nextInt(20);
                for (int i = 0; i < n; i++) rs.add(new Request("r" + i, rnd.nextInt(4) == 0 ? Double.NaN : rnd.nextDouble() * 200));
                long pool = rnd.nextInt(2000);
                int[] b = a.allocate(rs, pool);
                assertEquals(n, b.length);
                assertTrue(sum(b) <= pool, p + ": " + sum(b) + " > " + pool);
                for (int x : b) assertTrue(x >= 0);
            }
        }
    }

    @Test
    void replanReturnsUnusedTokensToThePending() {
        BudgetAllocator a = new BudgetAllocator(Policy.UNIFORM, null, 1);
        List<Request> rs = List.of(new Request("a", 1), new Request("b", 1), new Request("c", 1));
        BudgetAllocator.Plan plan = a.plan(rs, 30);
        assertEquals(10, plan.start(0));
        assertEquals(4, plan.replan(0, 6)); // 4 unused come back
        // 30 - 6 = 24 over the two pending
        assertEquals(12, plan.budget(1));
        assertEquals(12, plan.budget(2));
        assertEquals(12, plan.start(1));
        assertEquals(-3, plan.replan(1, 15)); // overshoot: c gets what is left
        assertEquals(9, plan.budget(2));
        assertEquals(9, plan.start(2));
        plan.replan(2, 9);
        assertEquals(30, plan.spent());
        assertThrows(BglException.class, () -> plan.replan(2, 1));
    }

    @Test
    void replanKeepsBudgetsOfStartedRequests() {
        BudgetAllocator a = new BudgetAllocator(Policy.MARGINAL, CURVES, 1);
        List<Request> rs = List.of(new Request("e1", 10), new Request("e2", 10), new Request("h", 90));
        BudgetAllocator.Plan plan = a.plan(rs, 40);
        assertEquals(10, plan.budget(0));
        assertEquals(10, plan.budget(1));
        assertEquals(20, plan.budget(2));
        plan.start(0);
        plan.start(1); // running at once with e1
        plan.replan(0, 2); // 8 back: pool left 40 - 2 - 10 (e2 holds) = 28 for h, capped by its curve at 28 < 40
        assertEquals(28, plan.budget(2));
        assertEquals(10, plan.budget(1));
        assertTrue(plan.unallocated() >= 0);
    }

    @Test
    void badInputIsAOneLineError() {
        BudgetAllocator a = new BudgetAllocator(Policy.UNIFORM, null, 1);
        BglException e = assertThrows(BglException.class, () -> a.allocate(EASY_HARD, -5));
        assertEquals("token pool must be >= 0, got -5", e.getMessage());
        e = assertThrows(BglException.class, () -> Policy.parse("greedy"));
        assertEquals("unknown allocation policy 'greedy' (known: uniform, proportional, marginal)", e.getMessage());
        assertThrows(BglException.class, () -> new BudgetAllocator(Policy.MARGINAL, null, 1));
        assertThrows(BglException.class, () -> new BudgetAllocator(Policy.UNIFORM, null, 0));
        assertEquals(Policy.MARGINAL, Policy.parse(" Marginal "));
    }
}
