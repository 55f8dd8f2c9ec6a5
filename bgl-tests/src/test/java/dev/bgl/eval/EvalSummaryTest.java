package dev.bgl.eval;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** EvalStats of hand-made records; every expected value is worked out by hand in the comments. */
class EvalSummaryTest {
    static EvalRecord rec(String id, String method, int budget, int thinking, boolean correct, double wallMs, double predicted) {
        boolean within = budget == EvalRecord.NO_BUDGET || thinking <= budget;
        int over = budget == EvalRecord.NO_BUDGET ? 0 : Math.max(0, thinking - budget);
        return new EvalRecord(id, method, budget, thinking, 3, correct, correct ? "1" : "2", "1", wallMs, 1000,
                !within || thinking == budget, predicted, within, over, true, "eos");
    }

    static List<EvalRecord> handMade() {
        List<EvalRecord> rs = new ArrayList<>();
        int[] noneThinking = {10, 20, 30, 40};
        boolean[] noneCorrect = {true, true, true, false};
        for (int i = 0; i < 4; i++) rs.add(rec("p" + i, "none", EvalRecord.NO_BUDGET, noneThinking[i], noneCorrect[i], 10 * (i + 1), Double.NaN));
        int[] h10 = {10, 11, 10, 12};
        for (int i = 0; i < 4; i++) rs.add(rec("p" + i, "hard", 10, h10[i], i == 0, 5, Double.NaN));
        for (int i = 0; i < 4; i++) rs.add(rec("p" + i, "hard", 20, 18, i < 2, 5, Double.NaN));
        int[] h30 = {15, 20, 25, 30};
        for (int i = 0; i < 4; i++) rs.add(rec("p" + i, "hard", 30, h30[i], i < 3, 5, Double.NaN));
        return rs;
    }

    @Test
    void accuracyIntervalThinkingAndLatencyPerRow() {
        EvalSummary s = EvalSummary.of(handMade(), List.of("none", "hard"));
        assertEquals(4, s.rows().size());
        EvalSummary.Row none = s.row("none", EvalRecord.NO_BUDGET);
        assertEquals(0.75, none.accuracy().value(), 1e-12);
        // Wilson 3/4: z² = 3.841459, centre .75 + z²/8 = 1.230182, half 1.959964·sqrt(.1875/4 + z²/64) = .640813,
        // denominator 1 + z²/4 = 1.960365 → [.300636, .954408]
        assertEquals(0.300636, none.accuracy().low(), 1e-5);
        assertEquals(0.954408, none.accuracy().high(), 1e-5);
        assertEquals(25, none.thinking().mean(), 1e-12);
        assertEquals(25, none.thinking().median(), 1e-12);
        assertEquals(37, none.thinking().p90(), 1e-12); // position .9·3 = 2.7: 30 + .7·10
        assertEquals(25, none.latencyP50Ms(), 1e-12); // wall 10, 20, 30, 40
        assertEquals(38.5, none.latencyP95Ms(), 1e-12); // position .95·3 = 2.85: 30 + .85·10
        assertEquals(1.0, none.withinBudgetShare(), 1e-12);
        assertEquals(0, none.maxOvershoot());
    }

    @Test
    void adherence() {
        EvalSummary s = EvalSummary.of(handMade(), List.of("none", "hard"));
        EvalSummary.Row h10 = s.row("hard", 10); // thinking 10, 11, 10, 12 at budget 10
        assertEquals(0.5, h10.withinBudgetShare(), 1e-12); // 10 and 10
        assertEquals(0.75, h10.meanOvershoot(), 1e-12); // (0 + 1 + 0 + 2) / 4
        assertEquals(2, h10.maxOvershoot());
        assertEquals(0.25, h10.accuracy().value(), 1e-12);
    }

    @Test
    void areaUnderTheCurveAndTokensSaved() {
        EvalSummary s = EvalSummary.of(handMade(), List.of("none", "hard"));
        EvalSummary.Curve hard = s.curve("hard");
        // accuracy .25, .5, .75 at 10, 20, 30: trapezoids 10·.375 + 10·.625 = 10, over the range 20 → .5
        assertEquals(0.5, hard.auc(), 1e-12);
        // none: .75; the first budget reaching .74 is 30 (.75); its mean thinking (15+20+25+30)/4 = 22.5 of none's 25
        assertEquals(30, hard.equalAccuracyBudget());
        assertEquals(0.9, hard.thinkingFractionOfNone(), 1e-12);
        assertEquals(0.1, hard.tokensSaved(), 1e-12);
        assertNull(s.curve("none"), "none is the reference, not a curve");
    }

    @Test
    void equalAccuracyAllowsOnePointAndNoMore() {
        List<EvalRecord> rs = new ArrayList<>();
        for (int i = 0; i < 100; i++) rs.add(rec("q" + i, "none", EvalRecord.NO_BUDGET, 100, i < 50, 1, Double.NaN));
        for (int i = 0; i < 100; i++) rs.add(rec("q" + i, "hard", 40, 40, i < 48, 1, Double.NaN)); // .48: two points short
        for (int i = 0; i < 100; i++) rs.add(rec("q" + i, "hard", 60, 60, i < 49, 1, Double.NaN)); // .49: exactly one short
        for (int i = 0; i < 100; i++) rs.add(rec("q" + i, "hard", 80, 80, i < 50, 1, Double.NaN));
        for (int i = 0; i < 100; i++) rs.add(rec("q" + i, "s1", 40, 40, i < 10, 1, Double.NaN));
        EvalSummary s = EvalSummary.of(rs, List.of("none", "hard", "s1"));
        assertEquals(60, s.curve("hard").equalAccuracyBudget());
        assertEquals(0.6, s.curve("hard").thinkingFractionOfNone(), 1e-12); // 60 / 100
        assertNull(s.curve("s1").equalAccuracyBudget(), "10% never reaches 49%");
        assertTrue(Double.isNaN(s.curve("s1").tokensSaved()));
        assertTrue(Double.isNaN(s.curve("s1").auc()), "one budget has no area");
    }

    @Test
    void spearmanOfPredictionsAgainstNoneThinking() {
        List<EvalRecord> rs = new ArrayList<>(handMade()); // none thinking p0..p3 = 10, 20, 30, 40
        double[] agree = {1, 5, 7, 100}, reverse = {9, 8, 7, 6};
        for (int i = 0; i < 4; i++) rs.add(rec("p" + i, "guided", 10, 10, true, 1, agree[i]));
        for (int i = 0; i < 4; i++) rs.add(rec("p" + i, "guided", 20, 10, true, 1, reverse[i]));
        EvalSummary s = EvalSummary.of(rs, List.of("none", "hard", "guided"));
        assertEquals(1.0, s.row("guided", 10).spearmanPredicted(), 1e-12);
        assertEquals(-1.0, s.row("guided", 20).spearmanPredicted(), 1e-12);
        assertEquals(4, s.row("guided", 10).predictions());
        assertTrue(Double.isNaN(s.row("hard", 10).spearmanPredicted()), "no predictions, no correlation");
    }

    @Test
    void budgetsFromFractionsRoundAndStayPositive() {
        // mean 59.4: .25 → 14.85 → 15, .5 → 29.7 → 30, .75 → 44.55 → 45; .001 → 0.06 → at least 1
        assertEquals(List.of(1, 15, 30, 45), EvalHarness.budgetsFromFractions(List.of(0.001, 0.25, 0.5, 0.75), 59.4));
        assertEquals(List.of(3), EvalHarness.budgetsFromFractions(List.of(0.5, 0.51), 5.0), "2.5 and 2.55 both round to 3");
    }
}
