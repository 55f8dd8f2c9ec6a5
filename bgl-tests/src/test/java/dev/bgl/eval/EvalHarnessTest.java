package dev.bgl.eval;

import dev.bgl.util.RepoFiles;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The harness on the shipped default model (a generation takes ~50 ms): resume and thread-count independence. */
class EvalHarnessTest {
    static LoadedModel model;

    @BeforeAll
    static void load() {
        model = LoadedModel.open(shippedModel());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Path shippedModel() {
        return RepoFiles.shippedModel();
    }

    static EvalSettings settings(int n, List<Integer> budgets) {
        return new EvalSettings("bgl-reasoner.gguf", "synthetic", List.of("none", "hard"), budgets, List.of(), n, 7, 256, 0, null);
    }

    /** Runs and counts the runners the harness asked for (one per worker thread). */
    static EvalHarness.Result run(EvalSettings s, Path dir, int threads, AtomicInteger runners) {
        EvalTasks tasks = EvalTasks.load(s.tasks(), s.n(), s.seed(), TaskLoader.OnBadLine.STOP);
        try (RecordLog log = RecordLog.open(dir, s, false)) {
            return new EvalHarness(model, m -> {
                runners.incrementAndGet();
                return new BudgetRunner(m);
            }, s, tasks, threads, null).run(log);
        }
    }

    /** Records by key, without the timing fields (the only ones that may differ between runs). */
    static Map<EvalRecord.Key, EvalRecord> untimed(List<EvalRecord> rs) {
        Map<EvalRecord.Key, EvalRecord> m = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        for (EvalRecord r : rs)
            m.put(r.key(), new EvalRecord(r.id(), r.method(), r.budget(), r.thinkingTokens(), r.answerTokens(), r.correct(), r.extracted(),
                    r.gold(), 0, 0, r.intervened(), r.predictedThinking(), r.withinBudget(), r.overshoot(), r.thinkingClosed(), r.stopReason()));
        return m;
    }

    @Test
    void aKilledRunResumesWithOnlyTheMissingRecords(@TempDir Path dir) throws Exception {
        EvalSettings s = settings(4, List.of(8, 16));
        EvalHarness.Result full = run(s, dir, 1, new AtomicInteger());
        assertEquals(12, full.generated(), "4 problems × (none + hard@8 + hard@16)");
        assertEquals(12, full.records().size());
        Path file = dir.resolve(RecordLog.RECORDS);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(12, lines.size());

        // a kill: 7 whole lines and half of the 8th
        String cut = String.join("\n", lines.subList(0, 7)) + "\n" + lines.get(7).substring(0, lines.get(7).length() / 2);
        Files.writeString(file, cut, StandardCharsets.UTF_8);
        EvalHarness.Result resumed = run(s, dir, 1, new AtomicInteger());
        assertEquals(7, resumed.resumed());
        assertEquals(5, resumed.generated(), "only the 5 missing samples are generated again");
        assertEquals(untimed(full.records()), untimed(resumed.records()));
        List<String> after = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(12, after.size(), "the partial line is gone and every line is a whole record");
        for (String l : after) EvalRecord.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(l));

        EvalHarness.Result again = run(s, dir, 1, new AtomicInteger());
        assertEquals(0, again.generated(), "a finished run generates nothing");
    }

    /** Runs with texts kept in {@code dir/texts.jsonl}, on worker threads or in one batch of {@code parallel}. */
    static EvalHarness.Result runWithTexts(EvalSettings s, Path dir, int threads, int parallel, boolean force) {
        EvalTasks tasks = EvalTasks.load(s.tasks(), s.n(), s.seed(), TaskLoader.OnBadLine.STOP);
        try (RecordLog log = RecordLog.open(dir, s, force); TextLog texts = TextLog.open(dir, log.resumed() == 0)) {
            return new EvalHarness(model, BudgetRunner::new, s, tasks, threads, null).withParallel(parallel).withTexts(texts).run(log);
        }
    }

    static Map<String, com.fasterxml.jackson.databind.JsonNode> textsByKey(Path dir) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, com.fasterxml.jackson.databind.JsonNode> m = new TreeMap<>();
        for (String l : Files.readAllLines(dir.resolve(TextLog.TEXTS), StandardCharsets.UTF_8)) {
            var o = json.readTree(l);
            String key = o.get("id").asText() + "/" + o.get("method").asText() + "/" + o.get("budget").asText();
            assertNull(m.put(key, o), "one line per sample: " + key);
        }
        return m;
    }

    @Test
    void savedTextsHoldWhatEachSampleWroteUnderItsRecordsKey(@TempDir Path dir) throws Exception {
        EvalSettings s = settings(4, List.of(8));
        EvalHarness.Result r = runWithTexts(s, dir.resolve("threads"), 2, 1, false);
        Map<String, com.fasterxml.jackson.databind.JsonNode> texts = textsByKey(dir.resolve("threads"));
        assertEquals(8, texts.size(), "4 problems x (none + hard@8)");
        for (EvalRecord rec : r.records()) {
            var t = texts.get(rec.id() + "/" + rec.method() + "/" + (rec.hasBudget() ? String.valueOf(rec.budget()) : "null"));
            assertNotNull(t, "a text line for " + rec.key());
            if (rec.extracted() != null)
                assertTrue(t.get("answer").asText().contains(rec.extracted()), "the answer text holds the extracted answer: " + t);
            if (rec.method().equals("none")) {
                var cut = texts.get(rec.id() + "/hard/8");
                assertTrue(t.get("thinking").asText().length() > 3 * cut.get("thinking").asText().length(),
                        "a full thought is much longer than one cut at 8 tokens: " + t.get("thinking") + " vs " + cut.get("thinking"));
            }
        }
        // the same samples decoded in one batch write the same texts
        runWithTexts(s, dir.resolve("batch"), 1, 4, false);
        assertEquals(texts.toString(), textsByKey(dir.resolve("batch")).toString());
        // a finished run resumed generates nothing and adds no text; --force starts both files over
        assertEquals(0, runWithTexts(s, dir.resolve("threads"), 2, 1, false).generated());
        assertEquals(8, textsByKey(dir.resolve("threads")).size());
        runWithTexts(settings(2, List.of(8)), dir.resolve("threads"), 2, 1, true);
        assertEquals(4, textsByKey(dir.resolve("threads")).size(), "--force discards the earlier run's texts with its records");
        BglException e = assertThrows(BglException.class, () -> EvalHarness.checkTexts(true, true));
        assertTrue(e.getMessage().contains("--save-texts") && e.getMessage().contains("--spark"), e.getMessage());
    }

    @Test
    void otherSettingsInTheSameDirectoryAreRefusedUnlessForced(@TempDir Path dir) throws Exception {
        EvalSettings s = settings(2, List.of(8));
        run(s, dir, 1, new AtomicInteger());
        BglException e = assertThrows(BglException.class, () -> RecordLog.open(dir, settings(3, List.of(8)), false));
        assertTrue(e.getMessage().contains("other settings") && e.getMessage().contains("n: now 3, there 2")
                && e.getMessage().contains("--force"), e.getMessage());
        try (RecordLog forced = RecordLog.open(dir, settings(3, List.of(8)), true)) {
            assertEquals(0, forced.resumed(), "--force discards the old records");
        }
        assertEquals(0, Files.size(dir.resolve(RecordLog.RECORDS)));
    }

    @Test
    void aBadRecordBeforeTheLastLineIsReportedWithItsNumber(@TempDir Path dir) throws Exception {
        EvalSettings s = settings(2, List.of(8));
        run(s, dir, 1, new AtomicInteger());
        Path file = dir.resolve(RecordLog.RECORDS);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file));
        lines.set(1, "{not json");
        Files.write(file, lines);
        BglException e = assertThrows(BglException.class, () -> RecordLog.open(dir, s, false));
        assertTrue(e.getMessage().contains(RecordLog.RECORDS + ":2: bad record"), e.getMessage());
    }

    @Test
    void recordsDoNotDependOnTheThreadCount(@TempDir Path dir) {
        EvalSettings s = settings(6, List.of(16));
        AtomicInteger one = new AtomicInteger(), two = new AtomicInteger();
        EvalHarness.Result a = run(s, dir.resolve("t1"), 1, one);
        EvalHarness.Result b = run(s, dir.resolve("t2"), 2, two);
        assertEquals(12, a.records().size());
        assertEquals(untimed(a.records()), untimed(b.records()));
        assertEquals(1, one.get(), "one worker, one runner");
        assertEquals(2, two.get(), "each worker thread its own runner");
        // the records are the model's real behaviour: hard never thinks past its budget by more than the closing newline
        for (EvalRecord r : a.records())
            if (r.method().equals("hard")) assertTrue(r.thinkingTokens() <= r.budget() + 1, r.toString());
    }

    @Test
    void budgetFractionsComeFromNonesMeanThinking(@TempDir Path dir) {
        EvalSettings s = new EvalSettings("bgl-reasoner.gguf", "synthetic", List.of("none", "hard"), List.of(), List.of(0.5), 3, 7, 256, 0, null);
        EvalHarness.Result r = run(s, dir, 1, new AtomicInteger());
        double mean = r.records().stream().filter(x -> x.method().equals("none")).mapToInt(EvalRecord::thinkingTokens).average().orElseThrow();
        assertEquals(mean, r.noneMeanThinking(), 1e-12);
        assertEquals(List.of((int) Math.max(1, Math.round(0.5 * mean))), r.budgets());
        assertEquals(3, r.records().stream().filter(x -> x.method().equals("hard") && x.budget() == r.budgets().getFirst()).count());
    }
}
