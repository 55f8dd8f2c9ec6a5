package dev.bgl.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code eval --parallel N} on the shipped model: the samples decoded together in one continuous batch write the
 * records of a sequential run, line for line in the same order, except the timing fields.
 */
class EvalParallelTest {
    static LoadedModel model;
    static PredictorWeights weights;
    static GuidanceOptions options;

    @BeforeAll
    static void load() {
        model = LoadedModel.open(RepoFiles.shippedModel());
        weights = PredictorWeights.loadWithRecommendation(RepoFiles.shippedPredictor(), 0).weights();
        options = GuidanceOptions.recommended(RepoFiles.shippedPredictor());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Sampled (per-sample seeds), with guidance reading hidden states, a budget in tokens and one in KV bytes. */
    static EvalSettings settings() {
        return new EvalSettings("bgl-reasoner.gguf", "synthetic", List.of("none", "hard", "guided"), List.of(12), List.of(), 5, 3, 160, 0.6,
                "shipped", List.of("96KB"));
    }

    static List<String> run(Path dir, int parallel, PrintStream progress) throws Exception {
        EvalSettings s = settings();
        EvalTasks tasks = EvalTasks.load(s.tasks(), s.n(), s.seed(), TaskLoader.OnBadLine.STOP);
        try (RecordLog log = RecordLog.open(dir, s, false)) {
            new EvalHarness(model, m -> new BudgetRunner(m, BudgetPredictor.forModel(weights, m), options), s, tasks, 1, progress)
                    .withParallel(parallel).run(log);
        }
        return Files.readAllLines(dir.resolve(RecordLog.RECORDS), StandardCharsets.UTF_8);
    }

    /**
     * The same records line for line, except the fields that measure time, and the predictor's estimate to 1e-5
     * relative: the JIT may compile a Math intrinsic in the middle of a run, and its last bit differs from the
     * interpreter's (two sequential runs in fresh JVMs differ there too, by ~1e-6); tokens and all counted from them are exact.
     */
    static void assertSameRecords(List<String> expected, List<String> actual) throws Exception {
        assertEquals(expected.size(), actual.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < expected.size(); i++) {
            ObjectNode a = (ObjectNode) json.readTree(expected.get(i)), b = (ObjectNode) json.readTree(actual.get(i));
            for (ObjectNode o : List.of(a, b)) assertTrue(o.has("wall_ms") && o.has("decode_tps"), o.toString());
            double pa = a.path("predicted_thinking").asDouble(Double.NaN), pb = b.path("predicted_thinking").asDouble(Double.NaN);
            assertEquals(Double.isNaN(pa), Double.isNaN(pb), "line " + (i + 1));
            if (!Double.isNaN(pa)) assertEquals(pa, pb, 1e-5 * Math.abs(pa), "line " + (i + 1) + " predicted_thinking");
            a.remove(List.of("wall_ms", "decode_tps", "predicted_thinking"));
            b.remove(List.of("wall_ms", "decode_tps", "predicted_thinking"));
            assertEquals(a, b, "line " + (i + 1));
        }
    }

    @Test
    void parallelRunsWriteTheSequentialRecordsInTheSameOrder(@TempDir Path dir) throws Exception {
        run(dir.resolve("warm-up"), 4, null); // the JIT compiles both paths before the runs compared (a cold kernel may round differently)
        List<String> one = run(dir.resolve("p1"), 1, null);
        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        List<String> four = run(dir.resolve("p4"), 4, new PrintStream(bar, true, StandardCharsets.UTF_8));
        assertEquals(5 * (1 + 2 * 2), one.size(), "5 problems × (none + hard and guided at 12 tokens and at 96KB)");
        assertSameRecords(one, four);
        assertNotEquals(one, four, "the timing fields are measured in each run");
        // real behaviour, not empty records: guided made predictions, and the KV-limited runs measured their cache
        assertTrue(one.stream().anyMatch(l -> l.contains("\"method\":\"guided\"") && l.contains("predicted_thinking")), one.toString());
        assertTrue(one.stream().anyMatch(l -> l.contains("\"kv_bytes\"")), one.toString());
        String progress = bar.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("eval [") && progress.contains("100%"), progress);
    }

    @Test
    void aResumedParallelRunGeneratesOnlyTheMissingRecords(@TempDir Path dir) throws Exception {
        List<String> full = run(dir.resolve("full"), 1, null);
        Path part = dir.resolve("part");
        Files.createDirectories(part);
        Files.write(part.resolve(RecordLog.RECORDS), full.subList(0, 7), StandardCharsets.UTF_8);
        new ObjectMapper().writeValue(part.resolve(RecordLog.SETTINGS).toFile(), settings().toJson(new ObjectMapper()));
        List<String> resumed = run(part, 3, null);
        assertEquals(full.subList(0, 7), resumed.subList(0, 7), "the records already there stay as they were");
        assertSameRecords(full, resumed);
    }

    @Test
    void parallelWithThreadsIsRefusedBeforeAnythingRuns() {
        BglException e = assertThrows(BglException.class, () -> EvalHarness.checkParallel(4, 2, false));
        assertTrue(e.getMessage().contains("--parallel 4") && e.getMessage().contains("--threads 2"), e.getMessage());
        e = assertThrows(BglException.class, () -> EvalHarness.checkParallel(2, 1, true));
        assertTrue(e.getMessage().contains("--spark"), e.getMessage());
        e = assertThrows(BglException.class, () -> EvalHarness.checkParallel(0, 1, false));
        assertTrue(e.getMessage().contains("--parallel must be in 1..1024, got 0"), e.getMessage());
        EvalHarness.checkParallel(1, 8, true); // 1 is today's path, with anything
    }
}
