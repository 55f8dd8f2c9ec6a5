package dev.bgl.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Budgets in units in the evaluation: records, settings, summary rows per spec, and a harness run on the shipped model. */
class EvalUnitsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static EvalRecord unitRec(String id, String limits, double wallMs, boolean closed, String stop, long kv) {
        EvalRecord r = new EvalRecord(id, "guided", EvalRecord.NO_BUDGET, 20, 5, true, "1", "1", wallMs, 100, true, Double.NaN,
                false, 0, closed, stop, limits, kv);
        return r.withWithinBudget(r.keptLimits(0));
    }

    @Test
    void oldRecordLineStillMeansTokens() throws Exception {
        String old = "{\"id\":\"p1\",\"method\":\"hard\",\"budget\":32,\"thinking_tokens\":30,\"answer_tokens\":4,\"correct\":true,"
                + "\"extracted\":\"7\",\"gold\":\"7\",\"wall_ms\":12.5,\"decode_tps\":900.0,\"intervened\":false,\"predicted_thinking\":null,"
                + "\"within_budget\":true,\"overshoot\":0,\"thinking_closed\":true,\"stop_reason\":\"end_of_generation\"}";
        EvalRecord r = EvalRecord.fromJson(JSON.readTree(old));
        assertEquals(32, r.budget());
        assertNull(r.limits());
        assertEquals(-1, r.kvBytes());
        assertEquals(new EvalRecord.Key("p1", "hard", 32), r.key());
        assertFalse(r.toJson().has("limits"), "a token record is written as before");
    }

    @Test
    void unitRecordRoundTripsAndKeysBySpec() throws Exception {
        EvalRecord r = unitRec("p1", "2s", 1500, true, "end_of_generation", 4096);
        EvalRecord back = EvalRecord.fromJson(JSON.readTree(r.toJson().toString()));
        assertEquals(r, back);
        assertEquals("2s", back.limits());
        assertEquals(4096, back.kvBytes());
        assertNotEquals(unitRec("p1", "1s", 1500, true, "end_of_generation", 1).key(), r.key());
        assertThrows(BglException.class, () -> new EvalRecord("p", "hard", 16, 1, 1, true, null, "1", 1, 1, false, Double.NaN,
                true, 0, true, "end_of_generation", "2s", -1), "a record is in tokens or in units, not both");
    }

    @Test
    void keptLimitsJudgesSecondsOnWallClockKvOnBytesAndNeedsTheWholeAnswer() {
        assertTrue(unitRec("a", "2s", 1999, true, "end_of_generation", -1).keptLimits(0));
        assertFalse(unitRec("a", "2s", 2100, true, "end_of_generation", -1).keptLimits(0));
        assertTrue(unitRec("a", "2s", 2100, true, "end_of_generation", -1).keptLimits(0.10)); // 2.1 s <= 2.2 s
        assertFalse(unitRec("a", "2s", 2300, true, "end_of_generation", -1).keptLimits(0.10));
        assertFalse(unitRec("a", "2s", 100, true, "max_tokens", -1).keptLimits(0.10), "an answer cut by the cap is not complete");
        assertFalse(unitRec("a", "2s", 100, false, "end_of_generation", -1).keptLimits(0.10), "thinking never closed");
        assertTrue(unitRec("a", "8KB", 100, true, "end_of_generation", 8000).keptLimits(0));
        assertFalse(unitRec("a", "8KB", 100, true, "end_of_generation", 8001).keptLimits(0));
        assertFalse(unitRec("a", "8KB", 100, true, "end_of_generation", -1).keptLimits(0), "KV not measured: not shown kept");
        assertFalse(unitRec("a", "1s+8KB", 500, true, "end_of_generation", 9000).keptLimits(0), "every limit must hold");
    }

    @Test
    void summaryGroupsBySpecAndReportsSecondsShares() {
        List<EvalRecord> rs = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            rs.add(new EvalRecord("p" + i, "none", EvalRecord.NO_BUDGET, 40, 5, true, "1", "1", 100, 100, false, Double.NaN,
                    true, 0, true, "end_of_generation"));
        for (int i = 0; i < 4; i++)
            rs.add(new EvalRecord("p" + i, "guided", 16, 16, 5, i < 2, "1", "1", 100, 100, false, Double.NaN, true, 0, true, "end_of_generation"));
        // 1 s: walls 900, 1000, 1050, 1200 ms → kept (<= 1000): 2/4; kept+10% (<= 1100): 3/4
        double[] w1 = {900, 1000, 1050, 1200};
        for (int i = 0; i < 4; i++) rs.add(unitRec("p" + i, "1s", w1[i], true, "end_of_generation", -1));
        // 10 s listed after 1 s although "10s" < "1s" as text; one run cut by the token cap
        for (int i = 0; i < 4; i++) rs.add(unitRec("p" + i, "10s", 3000, true, i == 0 ? "max_tokens" : "end_of_generation", -1));
        EvalSummary s = EvalSummary.of(rs, List.of("none", "guided"));
        assertEquals(List.of("none", "guided@16", "guided@1s", "guided@10s"), s.rows().stream().map(EvalSummary.Row::label).toList());
        EvalSummary.Row one = s.row("guided", "1s");
        assertEquals(4, one.n());
        assertEquals(0.5, one.withinBudgetShare(), 1e-12);
        assertEquals(0.75, one.within10Share(), 1e-12);
        assertEquals(1.0, one.completeShare(), 1e-12);
        // interpolated quantiles of 900, 1000, 1050, 1200: p50 = 1025, p95 at 2.85 → 1050 + .85·150 = 1177.5
        assertEquals(1025, one.latencyP50Ms(), 1e-9);
        assertEquals(1177.5, one.latencyP95Ms(), 1e-9);
        EvalSummary.Row ten = s.row("guided", "10s");
        assertEquals(0.75, ten.completeShare(), 1e-12);
        assertEquals(0.75, ten.within10Share(), 1e-12);
        // the token curve ignores the unit rows: one token budget → AUC undefined, row 16 found by budget
        assertEquals(0.5, s.row("guided", 16).accuracy().value(), 1e-12);
        assertTrue(Double.isNaN(s.curve("guided").auc()));
        String table = EvalReport.unitsTable(s);
        assertTrue(table.contains("1s") && table.contains("75.0%"), table);
    }

    @Test
    void budgetsListSplitsTokensFromUnits() {
        List<Integer> tok = new ArrayList<>();
        List<String> lim = new ArrayList<>();
        EvalSettings.splitBudgets(List.of("16", "32tok", "1s", "5s+64MB"), tok, lim);
        assertEquals(List.of(16, 32), tok);
        assertEquals(List.of("1s", "5s+64MB"), lim);
        assertThrows(BglException.class, () -> EvalSettings.splitBudgets(List.of("-3"), tok, lim));
        assertThrows(BglException.class, () -> EvalSettings.splitBudgets(List.of("3parsecs"), tok, lim));
        assertThrows(BglException.class, () -> new EvalSettings("m", "synthetic", List.of("none", "prompt"), List.of(), List.of(),
                1, 1, 64, 0, null, List.of("1s")), "prompt asks in tokens: no unit budgets");
    }

    @Test
    void oldSettingsFileReadsAsNoUnitBudgets() throws Exception {
        EvalSettings now = new EvalSettings("m.gguf", "synthetic", List.of("none", "hard"), List.of(16), List.of(), 4, 1, 64, 0, null);
        var node = now.toJson(new ObjectMapper());
        node.remove("limits"); // as written before units existed
        EvalSettings old = EvalSettings.fromJson(new ObjectMapper(), node);
        assertEquals(List.of(), old.limits());
        assertNull(now.difference(old));
        EvalSettings withUnits = new EvalSettings("m.gguf", "synthetic", List.of("none", "hard"), List.of(16), List.of(), 4, 1, 64, 0, null, List.of("1s"));
        assertNotNull(withUnits.difference(old), "a run with unit budgets is not the same run");
    }

    @Test
    void harnessRunsMixedBudgetsOnTheShippedModel(@TempDir Path dir) {
        EvalSettings s = new EvalSettings("bgl-reasoner.gguf", "synthetic", List.of("none", "hard"), List.of(16), List.of(), 2, 7, 256, 0,
                null, List.of("5s", "64KB"));
        EvalTasks tasks = EvalTasks.load(s.tasks(), s.n(), s.seed(), TaskLoader.OnBadLine.STOP);
        try (LoadedModel model = LoadedModel.open(EvalHarnessTest.shippedModel()); RecordLog log = RecordLog.open(dir, s, false)) {
            EvalHarness.Result r = new EvalHarness(model, BudgetRunner::new, s, tasks, 1, null).run(log);
            assertEquals(2 * (1 + 3), r.records().size());
            long kvPerToken = model.transformer().config().kvBytesPerToken(dev.bgl.model.KvCacheType.F16);
            for (EvalRecord x : r.records()) {
                if (x.hasLimits()) {
                    assertTrue(x.kvBytes() > 0, "a unit run measures its KV bytes: " + x);
                    assertEquals(0, x.kvBytes() % kvPerToken);
                    if (x.limits().equals("64KB")) assertTrue(x.kvBytes() <= 64000, "the KV cache never exceeds the limit: " + x);
                    
                    assertEquals(x.keptLimits(0), x.withinBudget());
                } else assertEquals(-1, x.kvBytes());
            }
            EvalSummary sum = EvalSummary.of(r.records(), s.methods());
            assertNotNull(sum.row("hard", "5s"));
            assertNotNull(sum.row("hard", "64KB"));
            assertNotNull(sum.row("hard", 16));
        }
        // resuming the same directory generates nothing new
        try (LoadedModel model = LoadedModel.open(EvalHarnessTest.shippedModel()); RecordLog log = RecordLog.open(dir, s, false)) {
            EvalHarness.Result again = new EvalHarness(model, BudgetRunner::new, s, EvalTasks.load(s.tasks(), s.n(), s.seed(),
                    TaskLoader.OnBadLine.STOP), 1, null).run(log);
            assertEquals(0, again.generated());
        }
    }
}
