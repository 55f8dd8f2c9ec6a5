package dev.bgl.eval;

import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.Method;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.chat.BracketThinkingModel;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The thinking format is data: the shipped model re-templated with [THINK]/[/THINK] (same weights, same ids) runs every
 * budget method through the eval harness to the records of the {@code <think>} run, its texts those of the
 * {@code <think>} run with the markers swapped.
 */
class ThinkingFormatEvalTest {
    @TempDir
    static Path dir;
    static LoadedModel think, bracket;
    static PredictorWeights weights;
    static GuidanceOptions guidance;

    @BeforeAll
    static void load() throws Exception {
        think = LoadedModel.open(RepoFiles.shippedModel());
        bracket = LoadedModel.open(BracketThinkingModel.write(dir));
        weights = PredictorWeights.load(RepoFiles.shippedPredictor(), 0);
        guidance = GuidanceOptions.recommended(RepoFiles.shippedPredictor());
    }

    @AfterAll
    static void close() {
        think.close();
        bracket.close();
    }

    static BudgetRunner runner(LoadedModel m) {
        return new BudgetRunner(m, BudgetPredictor.forModel(weights, m), guidance);
    }

    @Test
    void eachModelGetsTheFormatItsTemplateAndVocabularyShow() {
        assertEquals(ThinkingMarkers.THINK, think.markers());
        assertEquals(ThinkingMarkers.BRACKET, bracket.markers());
        assertTrue(think.thinkCloseId() >= 0 && think.thinkOpenId() >= 0);
        assertEquals(think.thinkOpenId(), bracket.thinkOpenId(), "same vocabulary ids, renamed");
        assertEquals(think.thinkCloseId(), bracket.thinkCloseId());
        assertEquals("[THINK]", bracket.tokenizer().tokenText(bracket.thinkOpenId()));
    }

    /**
     * Records without the timing fields, by key, the predictor's estimate rounded to 4 significant digits: the vector
     * code's lane sums differ in the last bits before and after C2 compiles it (~1e-6 relative, on one file as on the
     * other), and every other field, tokens and verdicts included, must be identical.
     */
    static Map<String, EvalRecord> untimed(List<EvalRecord> rs) {
        Map<String, EvalRecord> m = new TreeMap<>(Comparator.naturalOrder());
        for (EvalRecord r : rs)
            m.put(r.key().toString(), new EvalRecord(r.id(), r.method(), r.budget(), r.thinkingTokens(), r.answerTokens(), r.correct(),
                    r.extracted(), r.gold(), 0, 0, r.intervened(), round(r.predictedThinking()), r.withinBudget(), r.overshoot(),
                    r.thinkingClosed(), r.stopReason(), r.limits(), r.kvBytes(), r.answerOverrun(), r.closedAtLineEnd()));
        return m;
    }

    static double round(double x) {
        return Double.isFinite(x) ? new java.math.BigDecimal(x).round(new java.math.MathContext(4)).doubleValue() : x;
    }

    static List<EvalRecord> eval(LoadedModel m, EvalSettings s, Path out) {
        EvalTasks tasks = EvalTasks.load(s.tasks(), s.n(), s.seed(), TaskLoader.OnBadLine.STOP);
        try (RecordLog log = RecordLog.open(out, s, false)) {
            return new EvalHarness(m, ThinkingFormatEvalTest::runner, s, tasks, 1, null).run(log).records();
        }
    }

    @Test
    void everyMethodGivesTheSameRecordsOnBothFormats() {
        List<String> methods = Method.names();
        EvalSettings s = new EvalSettings("bgl-reasoner.gguf", "synthetic", methods, List.of(6, 20), List.of(), 3, 7, 160, 0, null);
        Map<String, EvalRecord> a = untimed(eval(think, s, dir.resolve("think")));
        Map<String, EvalRecord> b = untimed(eval(bracket, s, dir.resolve("bracket")));
        assertEquals(3 * (2 + (methods.size() - 2) * 2), a.size(), "3 problems × (none, nothink + 5 methods × 2 budgets)");
        assertEquals(a.keySet(), b.keySet());
        List<String> differ = new ArrayList<>();
        for (String k : a.keySet()) if (!a.get(k).equals(b.get(k))) differ.add(a.get(k) + "\n  vs " + b.get(k));
        assertTrue(differ.isEmpty(), "records that differ:\n" + String.join("\n", differ));
        // the runs did what the methods do, so the equality covers their insertions and verdicts
        for (String method : List.of("hard", "qwen-stop", "s1"))
            assertTrue(a.values().stream().anyMatch(r -> r.method().equals(method) && r.intervened()), method + " cut some thinking");
        assertTrue(a.values().stream().anyMatch(r -> r.method().equals("guided") && !Double.isNaN(r.predictedThinking())));
        assertTrue(a.values().stream().filter(r -> r.method().equals("nothink")).allMatch(r -> r.thinkingTokens() == 0 && r.thinkingClosed()));
        assertTrue(a.values().stream().anyMatch(EvalRecord::correct), "some answers are right");
    }

    @Test
    void theTextsAreTheThinkRunsWithTheMarkersSwapped() {
        String question = EvalTasks.load("synthetic", 1, 3, TaskLoader.OnBadLine.STOP).problems().getFirst().prompt();
        List<String> inserted = new ArrayList<>();
        for (Method method : Method.ALL) {
            BudgetOutcome x = runner(think).run(BudgetRequest.of(question, method, 6, 160), TokenListener.NONE);
            BudgetOutcome y = runner(bracket).run(BudgetRequest.of(question, method, 6, 160), TokenListener.NONE);
            String what = method.name();
            assertArrayEquals(x.result().tokens(), y.result().tokens(), what);
            assertEquals(BracketThinkingModel.TO.rewrite(x.result().text(), BracketThinkingModel.FROM), y.result().text(), what);
            assertFalse(y.result().text().contains("think>"), what + ": no <think> marker in the [THINK] run: " + y.result().text());
            assertEquals(x.thinking(), y.thinking(), what);
            assertEquals(x.answer(), y.answer(), what);
            if (x.intervened()) inserted.add(what);
        }
        assertTrue(inserted.containsAll(List.of("hard", "qwen-stop", "s1")), "the cuts inserted their closing texts: " + inserted);
    }
}
