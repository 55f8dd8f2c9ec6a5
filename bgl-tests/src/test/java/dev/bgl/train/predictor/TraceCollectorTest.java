package dev.bgl.train.predictor;

import dev.bgl.cli.Main;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TraceCollectorTest {
    @TempDir
    static Path dir;
    static LoadedModel model;

    @BeforeAll
    static void load() throws Exception {
        model = TinyModel.open(dir, 1);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static TraceCollector.Options opts(int n) {
        return new TraceCollector.Options(1, n, 2, 0f, 6);
    }

    @Test
    void collectionResumesWhereItStopped() throws Exception {
        Path out = dir.resolve("resume");
        var s1 = TraceCollector.collect(model, out, opts(3), null);
        assertEquals(3, s1.collected());
        Path file = out.resolve(TraceFile.NAME);
        List<String> first = Files.readAllLines(file);
        assertEquals(3, first.size());
        var s2 = TraceCollector.collect(model, out, opts(5), null);
        assertEquals(3, s2.skipped());
        assertEquals(2, s2.collected(), "only the two new problems are generated");
        List<String> all = Files.readAllLines(file);
        assertEquals(5, all.size());
        assertEquals(first, all.subList(0, 3), "existing lines are kept as they were");
        var traces = TraceFile.read(file, model.transformer().config().vocabSize()).traces();
        assertEquals(java.util.Set.of("s1-0", "s1-1", "s1-2", "s1-3", "s1-4"),
                traces.stream().map(Trace::id).collect(java.util.stream.Collectors.toSet()));
        Trace t = traces.getFirst();
        assertTrue(t.promptTokens().length > 0 && t.tokens().length > 0);
        assertEquals(model.transformer().config().vocabSize(), t.vocab());
    }

    @Test
    void anInterruptedLastLineIsRedone() throws Exception {
        Path out = dir.resolve("cut");
        TraceCollector.collect(model, out, opts(3), null);
        Path file = out.resolve(TraceFile.NAME);
        String text = Files.readString(file);
        Files.writeString(file, text.substring(0, text.length() - 20)); // the last line loses its end
        var c = TraceFile.read(file, 0);
        assertTrue(c.truncatedTail());
        assertEquals(2, c.traces().size());
        var s = TraceCollector.collect(model, out, opts(3), null);
        assertEquals(1, s.collected());
        assertEquals(3, TraceFile.read(file, 0).traces().size());
        assertFalse(TraceFile.read(file, 0).truncatedTail());
        assertEquals(Files.readAllLines(file).size(), 3);
    }

    @Test
    void greedyCollectionIsDeterministic() throws Exception {
        TraceCollector.collect(model, dir.resolve("d1"), new TraceCollector.Options(4, 2, 1, 0f, 6), null);
        TraceCollector.collect(model, dir.resolve("d2"), new TraceCollector.Options(4, 2, 2, 0f, 6), null);
        var a = TraceFile.read(dir.resolve("d1").resolve(TraceFile.NAME), 0).traces();
        var b = TraceFile.read(dir.resolve("d2").resolve(TraceFile.NAME), 0).traces();
        for (Trace x : a) {
            Trace y = b.stream().filter(t -> t.id().equals(x.id())).findFirst().orElseThrow();
            assertArrayEquals(x.tokens(), y.tokens(), x.id());
            assertArrayEquals(x.promptTokens(), y.promptTokens(), x.id());
        }
    }

    @Test
    void badTraceFilesGiveClearErrors() throws Exception {
        var missing = assertThrows(BglException.class, () -> TraceFile.read(dir.resolve("none").resolve(TraceFile.NAME), 281));
        assertTrue(missing.getMessage().contains("no traces file"), missing.getMessage());

        Path good = dir.resolve("good");
        TraceCollector.collect(model, good, opts(2), null);
        List<String> lines = Files.readAllLines(good.resolve(TraceFile.NAME));

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, lines.get(0) + "\n{\"id\": \"x\", \"tokens\": [1, 2\n" + lines.get(1) + "\n", StandardCharsets.UTF_8);
        var malformed = assertThrows(BglException.class, () -> TraceFile.read(bad, 281));
        assertTrue(malformed.getMessage().contains("line 2"), malformed.getMessage());

        Path badId = dir.resolve("badid.jsonl");
        Files.writeString(badId, lines.get(0).replaceFirst("\"prompt_tokens\":\\[", "\"prompt_tokens\":[\"a\",") + "\n");
        var notId = assertThrows(BglException.class, () -> TraceFile.read(badId, 281));
        assertTrue(notId.getMessage().contains("line 1") && notId.getMessage().contains("prompt_tokens[0]"), notId.getMessage());

        Path other = dir.resolve("other.jsonl");
        Files.writeString(other, lines.get(0).replace("\"vocab\":281", "\"vocab\":32000") + "\n");
        var vocab = assertThrows(BglException.class, () -> TraceFile.read(other, 281));
        assertTrue(vocab.getMessage().contains("vocabulary"), vocab.getMessage());
        // resuming into a folder of another model's traces is refused too
        Path otherDir = dir.resolve("otherdir");
        Files.createDirectories(otherDir);
        Files.copy(other, otherDir.resolve(TraceFile.NAME));
        assertThrows(BglException.class, () -> TraceCollector.collect(model, otherDir, opts(2), null));
    }

    @Test
    void commandLineReportsAMissingTracesFileInOneLine() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[]{"train-predictor", "--model", model.source().path().toString(),
                "--traces", dir.resolve("nowhere").toString(), "--out", dir.resolve("p.safetensors").toString()},
                new PrintWriter(out), new PrintWriter(err));
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().startsWith("bgl: ") && err.toString().contains("no traces file"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void badRecommendedSettingsAreRefusedBeforeTraining() {
        for (String[] bad : new String[][]{{"--recommend-mask", "1,2"}, {"--recommend-mask", "-1,1,0.9"}, {"--recommend-min-p", "2"}}) {
            StringWriter out = new StringWriter(), err = new StringWriter();
            String[] args = {"train-predictor", "--model", model.source().path().toString(),
                    "--traces", dir.resolve("nowhere").toString(), "--out", dir.resolve("p.safetensors").toString(), bad[0], bad[1]};
            assertEquals(1, Main.run(args, new PrintWriter(out), new PrintWriter(err)), err.toString());
            String msg = err.toString().strip();
            assertTrue(msg.startsWith("bgl: ") && !msg.contains("no traces file"), msg);
            assertTrue(msg.contains(bad[0].equals("--recommend-mask") ? "mask" : "--recommend-min-p"), msg);
            assertEquals(1, msg.lines().count(), msg);
        }
    }
}
