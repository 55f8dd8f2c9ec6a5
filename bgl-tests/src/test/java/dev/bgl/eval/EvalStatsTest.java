package dev.bgl.eval;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Expected values computed by hand (and, for Wilson, matching published tables: 8/10 -> [0.4902, 0.9433]). */
class EvalStatsTest {
    @Test
    void wilsonInterval() {
        EvalStats.Accuracy a = EvalStats.accuracy(8, 10);
        assertEquals(0.8, a.value(), 1e-12);
        // p = .8, z² = 3.841459: (0.992073 ± 0.313617) / 1.384146
        assertEquals(0.490162, a.low(), 1e-6);
        assertEquals(0.943318, a.high(), 1e-6);
        EvalStats.Accuracy none = EvalStats.accuracy(0, 10);
        assertEquals(0.0, none.low(), 1e-12);
        assertEquals(0.277533, none.high(), 1e-6); // z²/n / (1 + z²/n) = 0.384146 / 1.384146
        EvalStats.Accuracy all = EvalStats.accuracy(10, 10);
        assertEquals(1 - 0.277533, all.low(), 1e-6);
        assertEquals(1.0, all.high(), 1e-12);
        EvalStats.Accuracy half = EvalStats.accuracy(50, 100); // symmetric: 0.5 ± 1.96·sqrt(.0025 + .0000960)/1.038415 = .096168 (tables: [0.4038, 0.5962])
        assertEquals(0.5 - 0.096168, half.low(), 1e-6);
        assertEquals(0.5 + 0.096168, half.high(), 1e-6);
    }

    @Test
    void accuracyRejectsImpossibleCounts() {
        assertThrows(BglException.class, () -> EvalStats.accuracy(0, 0));
        assertThrows(BglException.class, () -> EvalStats.accuracy(11, 10));
        assertThrows(BglException.class, () -> EvalStats.accuracy(-1, 10));
    }

    @Test
    void meanMedianP90() {
        EvalStats.Summary s = EvalStats.summarize(10, 1, 3, 2, 4);
        assertEquals(5, s.count());
        assertEquals(4.0, s.mean(), 1e-12);
        assertEquals(3.0, s.median(), 1e-12);
        assertEquals(7.6, s.p90(), 1e-12); // position 0.9·4 = 3.6: 4 + 0.6·(10 - 4)
        EvalStats.Summary even = EvalStats.summarize(4, 1, 3, 2);
        assertEquals(2.5, even.mean(), 1e-12);
        assertEquals(2.5, even.median(), 1e-12);
        assertEquals(3.7, even.p90(), 1e-12); // position 2.7: 3 + 0.7·1
        EvalStats.Summary one = EvalStats.summarize(5);
        assertEquals(5.0, one.median());
        assertEquals(5.0, one.p90());
        assertThrows(BglException.class, EvalStats::summarize);
        assertThrows(BglException.class, () -> EvalStats.summarize(1, Double.NaN));
    }

    @Test
    void normalizedAreaUnderAccuracyBudgetCurve() {
        // (0,.2)-(100,.6): 100·.8/2 = 40; (100,.6)-(300,.6): 200·1.2/2 = 120; 160 / 300
        assertEquals(160.0 / 300, EvalStats.normalizedAuc(new double[]{0, 100, 300}, new double[]{0.2, 0.6, 0.6}), 1e-12);
        assertEquals(0.5, EvalStats.normalizedAuc(new double[]{512, 4096}, new double[]{0.5, 0.5}), 1e-12);
        assertEquals(0.5, EvalStats.normalizedAuc(new double[]{1, 2}, new double[]{0, 1}), 1e-12);
        assertThrows(BglException.class, () -> EvalStats.normalizedAuc(new double[]{1, 2}, new double[]{0.5}));
        assertThrows(BglException.class, () -> EvalStats.normalizedAuc(new double[]{1}, new double[]{0.5}));
        assertThrows(BglException.class, () -> EvalStats.normalizedAuc(new double[]{2, 1}, new double[]{0.5, 0.6}));
        assertThrows(BglException.class, () -> EvalStats.normalizedAuc(new double[]{1, 1}, new double[]{0.5, 0.6}));
        assertThrows(BglException.class, () -> EvalStats.normalizedAuc(new double[]{1, 2}, new double[]{Double.NaN, 0.6}));
    }
}
