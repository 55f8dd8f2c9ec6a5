package dev.bgl.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Strict scoring: reasoning written after the thinking closed is reasoning. Expected values worked out by hand. */
class StrictScoringTest {
    static EvalRecord rec(String id, String method, int budget, int thinking, int answer, boolean correct, boolean overrun, Boolean lineEnd) {
        int over = budget == EvalRecord.NO_BUDGET ? 0 : Math.max(0, thinking - budget);
        boolean within = over == 0 && !overrun;
        return new EvalRecord(id, method, budget, thinking, answer, correct, correct ? "1" : "2", "1", 10, 1000, false, Double.NaN,
                within, over, true, overrun ? "answer_cap" : "end_of_generation", null, -1, overrun, lineEnd);
    }

    static List<EvalRecord> records() {
        List<EvalRecord> rs = new ArrayList<>();
        // none: 4 right, 1 wrong; thinking 100 each, answers 10 tokens: total 110
        for (int i = 0; i < 5; i++) rs.add(rec("p" + i, "none", EvalRecord.NO_BUDGET, 100, 10, i < 4, false, true));
        // guided@30: p0..p3 right, but p2 and p3 only after re-deriving in the answer (capped at 24); p4 wrong
        for (int i = 0; i < 5; i++) rs.add(rec("p" + i, "guided", 30, 28, i >= 2 && i < 4 ? 24 : 10, i < 4, i == 2 || i == 3, i != 0));
        // guided@60: every one of p0..p3 right as an answer; 60 thinking + 10 answer = 70
        for (int i = 0; i < 5; i++) rs.add(rec("p" + i, "guided", 60, 60, 10, i < 4, false, true));
        return rs;
    }

    @Test
    void strictAccuracyCreditsOnlyAnswersWrittenAsAnswers() {
        EvalSummary s = EvalSummary.of(records(), List.of("none", "guided"));
        EvalSummary.Row g30 = s.row("guided", 30);
        assertEquals(0.8, g30.accuracy().value(), 1e-12, "lenient: 4 of 5");
        assertEquals(0.4, g30.strictAccuracy().value(), 1e-12, "strict: p0 and p1 only");
        assertEquals(0.4, g30.overrunShare(), 1e-12);
        assertEquals(0.6, g30.withinBudgetShare(), 1e-12, "strict: thinking within and no overrun");
        assertEquals(1.0, g30.thinkingWithinShare(), 1e-12, "lenient: thinking 28 <= 30 in all five");
        assertEquals(0.8, g30.lineEndShare(), 1e-12, "p1..p4 closed at a line end");
        assertEquals((28 * 5 + 10 * 3 + 24 * 2) / 5.0, g30.meanTotalTokens(), 1e-12);
    }

    @Test
    void equalAccuracyIsJudgedStrictlyOnThinkingPlusAnswerTokens() {
        EvalSummary s = EvalSummary.of(records(), List.of("none", "guided"));
        EvalSummary.Curve c = s.curve("guided");
        // none: strict 0.8 (nothing overran). Lenient: budget 30 already reaches 0.8 - 0.01, with 28 / 100 of the thinking.
        assertEquals(30, c.equalAccuracyBudget());
        assertEquals(0.28, c.thinkingFractionOfNone(), 1e-12);
        // strict: budget 30 has 0.4; budget 60 reaches 0.8, with (60 + 10) / (100 + 10) of none's tokens
        assertEquals(60, c.strictEqualAccuracyBudget());
        assertEquals(70.0 / 110.0, c.strictTokenFractionOfNone(), 1e-12);
        assertEquals(1 - 70.0 / 110.0, c.strictTokensSaved(), 1e-12);
    }

    @Test
    void reportsPutStrictFiguresFirstAndLenientBeside() {
        EvalSummary s = EvalSummary.of(records(), List.of("none", "guided"));
        String table = EvalReport.table(s);
        assertTrue(table.contains("strict acc"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("guided") && l.contains("40.0%") && l.contains("80.0%")), table);
        String csv = EvalReport.csv(s);
        String[] header = csv.lines().findFirst().orElseThrow().split(",");
        assertTrue(List.of(header).containsAll(List.of("strict_accuracy", "answer_overrun", "line_end_closes", "strict_token_frac_of_none")));
    }

    @Test
    void recordsCarryTheAnswerPhaseAndOldRecordsReadWithout() throws Exception {
        EvalRecord r = rec("p2", "guided", 30, 28, 24, true, true, false);
        var json = r.toJson();
        assertTrue(json.get("answer_overrun").asBoolean());
        assertFalse(json.get("strict_correct").asBoolean());
        assertFalse(json.get("closed_at_line_end").asBoolean());
        assertEquals(r, EvalRecord.fromJson(json));
        json.remove("answer_overrun");
        json.remove("strict_correct");
        json.remove("closed_at_line_end");
        EvalRecord old = EvalRecord.fromJson(new ObjectMapper().readTree(json.toString()));
        assertFalse(old.answerOverrun(), "a record written before strict accounting: nothing was checked");
        assertNull(old.closedAtLineEnd());
    }
}
