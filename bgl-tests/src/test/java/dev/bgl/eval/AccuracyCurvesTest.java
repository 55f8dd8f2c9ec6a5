package dev.bgl.eval;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class AccuracyCurvesTest {
    static EvalRecord rec(String id, String method, int budget, boolean correct, int thinking, double predicted) {
        return new EvalRecord(id, method, budget, thinking, 5, correct, null, "1", 1, 1, false, predicted, true, 0, true, "end_of_generation");
    }

    @Test
    void curveInterpolatesMonotonically() {
        AccuracyCurve c = new AccuracyCurve(new int[]{0, 10, 20, 40}, new double[]{0.2, 0.6, 0.4, 1.0});
        assertEquals(0.2, c.at(0), 1e-12);
        assertEquals(0.4, c.at(5), 1e-12);
        assertEquals(0.6, c.at(20), 1e-12); // the dip to 0.4 is lifted to 0.6
        assertEquals(0.8, c.at(30), 1e-12);
        assertEquals(1.0, c.at(1000), 1e-12);
        assertEquals(0.04, c.gainPerToken(0), 1e-12); // chord to (10, 0.6)
        assertEquals(0.0, c.gainPerToken(40), 1e-12);
        assertThrows(BglException.class, () -> new AccuracyCurve(new int[]{10, 5}, new double[]{0, 1}));
        assertThrows(BglException.class, () -> new AccuracyCurve(new int[]{0}, new double[]{1.5}));
    }

    @Test
    void learnsTwoBucketsFromHandMadeRecords() {
        List<EvalRecord> rs = new ArrayList<>();
        // easy problems e0..e3 (predicted 10), hard h0..h3 (predicted 100)
        for (int i = 0; i < 4; i++) {
            String e = "e" + i, h = "h" + i;
            rs.add(rec(e, "nothink", EvalRecord.NO_BUDGET, i < 2, 0, Double.NaN));        // easy nothink 2/4
            rs.add(rec(h, "nothink", EvalRecord.NO_BUDGET, false, 0, Double.NaN));        // hard nothink 0/4
            rs.add(rec(e, "none", EvalRecord.NO_BUDGET, true, 20, Double.NaN));           // easy none 4/4, length 20
            rs.add(rec(h, "none", EvalRecord.NO_BUDGET, i < 3, 80 + 10 * i, Double.NaN)); // hard none 3/4, mean 95
            rs.add(rec(e, "guided", 10, i < 3, 10, 10));  // easy at 10: 3/4
            rs.add(rec(h, "guided", 10, false, 10, 100)); // hard at 10: 0/4
            rs.add(rec(e, "guided", 50, true, 20, 10));   // easy at 50: 4/4
            rs.add(rec(h, "guided", 50, i < 2, 50, 100)); // hard at 50: 2/4
            rs.add(rec(h, "hard", 50, true, 50, 100));    // another method: ignored
        }
        AccuracyCurves cs = AccuracyCurves.fromRecords(rs, "guided", 2);
        assertArrayEquals(new double[]{100}, cs.cuts());
        assertEquals(0, cs.bucket(10));
        assertEquals(1, cs.bucket(100));
        AccuracyCurve easy = cs.curves().get(0), hard = cs.curves().get(1);
        // easy: 0:0.5, 10:0.75, 20 (none): 1.0, 50: 1.0
        assertArrayEquals(new int[]{0, 10, 20, 50}, easy.budgets());
        assertArrayEquals(new double[]{0.5, 0.75, 1.0, 1.0}, easy.accuracy(), 1e-12);
        // hard: 0:0, 10:0, 50:0.5, 95 (none): 0.75
        assertArrayEquals(new int[]{0, 10, 50, 95}, hard.budgets());
        assertArrayEquals(new double[]{0, 0, 0.5, 0.75}, hard.accuracy(), 1e-12);
        assertEquals(0.625, hard.at(72.5), 1e-12);
        assertEquals(0.75, hard.at(500), 1e-12);
    }

    @Test
    void missingMethodIsAOneLineError() {
        List<EvalRecord> rs = List.of(rec("a", "none", EvalRecord.NO_BUDGET, true, 5, Double.NaN));
        BglException e = assertThrows(BglException.class, () -> AccuracyCurves.fromRecords(rs, "guided", 3));
        assertEquals("accuracy curves: no 'guided' records with a budget and a predicted thinking length", e.getMessage());
        assertThrows(BglException.class, () -> AccuracyCurves.fromRecords(rs, "guided", 0));
    }

    @Test
    void committedRunGivesCurvesThatRiseWithBudget() throws Exception {
        java.nio.file.Path f = java.nio.file.Path.of("docs/results/records.jsonl");
        assertTrue(java.nio.file.Files.exists(f), "the committed run docs/results/records.jsonl is missing");
        List<EvalRecord> rs = RecordLog.readAndRepair(f);
        AccuracyCurves cs = AccuracyCurves.fromRecords(rs, "guided", 4);
        assertEquals(4, cs.curves().size());
        for (AccuracyCurve c : cs.curves()) assertTrue(c.at(52) >= c.at(17));
    }
}
