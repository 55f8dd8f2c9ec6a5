package dev.bgl.eval;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TaskLoaderTest {
    @TempDir
    Path dir;

    private Path file(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    private static String message(Path f, TaskFormat fmt, TaskLoader.OnBadLine policy) {
        BglException e = assertThrows(BglException.class, () -> TaskLoader.load(f, fmt, policy));
        assertInstanceOf(TaskFileException.class, e);
        assertTrue(e.getMessage().startsWith(f.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void gsm8k() throws IOException {
        Path f = file("g.jsonl",
                "{\"question\": \"How many?\", \"answer\": \"2+2=<<2+2=4>>4\\n#### 1,000\"}",
                "",
                "{\"question\": \"Q2\", \"answer\": \"so\\n#### -3\"}");
        TaskSet set = TaskLoader.load(f);
        assertEquals(TaskFormat.GSM8K, set.format());
        assertEquals(2, set.size());
        EvalProblem p = set.problems().get(0);
        assertEquals("gsm8k-0", p.id());
        assertEquals("How many?", p.prompt());
        assertEquals("1000", p.answer());
        assertEquals("number", p.checker());
        assertEquals("2+2=<<2+2=4>>4\n#### 1,000", p.meta().get("solution"));
        assertEquals("-3", set.problems().get(1).answer());
    }

    @Test
    void gsm8kWithoutAGoldLineIsAnError() throws IOException {
        Path f = file("g.jsonl", "{\"question\": \"Q\", \"answer\": \"#### 5\"}", "{\"question\": \"Q\", \"answer\": \"no marker\"}");
        assertTrue(message(f, null, TaskLoader.OnBadLine.STOP).contains(":2: field 'answer' has no '#### <number>' line"));
        Path g = file("h.jsonl", "{\"question\": \"Q\", \"answer\": \"#### five\"}");
        assertTrue(message(g, TaskFormat.GSM8K, TaskLoader.OnBadLine.STOP).contains(":1: field 'answer': gold after '####' is not a number: 'five'"));
    }

    @Test
    void math() throws IOException {
        Path f = file("m.jsonl", "{\"problem\": \"P\", \"solution\": \"so $\\\\boxed{\\\\frac12}$\", \"answer\": \"\\\\frac12\", \"subject\": \"Algebra\", \"level\": 2, \"unique_id\": \"test/algebra/1.json\"}");
        TaskSet set = TaskLoader.load(f);
        assertEquals(TaskFormat.MATH, set.format());
        EvalProblem p = set.problems().getFirst();
        assertEquals("test/algebra/1.json", p.id());
        assertEquals("\\frac12", p.answer());
        assertEquals("math", p.checker());
        assertEquals("Algebra", p.meta().get("subject"));
        assertEquals("2", p.meta().get("level"));
        assertTrue(p.answerChecker().check(p.meta().get("solution"), p.answer()));
    }

    @Test
    void competitionAnswersBecomeCanonicalNumbers() throws IOException {
        Path f = file("a.jsonl",
                "{\"id\": 60, \"problem\": \"P\", \"answer\": \"025\", \"url\": \"u\"}",
                "{\"id\": 61, \"question\": \"Q\", \"answer\": 27.0}",
                "{\"id\": 62, \"problem\": \"P\", \"question\": \"P\", \"answer\": -1.50}");
        TaskSet set = TaskLoader.load(f);
        assertEquals(TaskFormat.COMPETITION, set.format());
        assertEquals("60", set.problems().get(0).id());
        assertEquals("25", set.problems().get(0).answer());
        assertEquals("Q", set.problems().get(1).prompt());
        assertEquals("27", set.problems().get(1).answer());
        assertEquals("-1.5", set.problems().get(2).answer());
        assertEquals("number", set.problems().get(0).checker());
        assertEquals("u", set.problems().get(0).meta().get("url"));
        Path bad = file("b.jsonl", "{\"id\": 1, \"problem\": \"P\", \"answer\": \"twelve\"}");
        assertTrue(message(bad, null, TaskLoader.OnBadLine.STOP).contains(":1: field 'answer': expected a number, found 'twelve'"));
    }

    @Test
    void generic() throws IOException {
        Path f = file("x.jsonl",
                "{\"prompt\": \"Capital of France?\", \"answer\": \"Paris\", \"checker\": \"exact\", \"id\": \"geo-1\"}",
                "{\"prompt\": \"2+2?\", \"answer\": 4}");
        TaskSet set = TaskLoader.load(f);
        assertEquals(TaskFormat.GENERIC, set.format());
        assertEquals("geo-1", set.problems().get(0).id());
        assertEquals("exact", set.problems().get(0).checker());
        assertEquals("line-2", set.problems().get(1).id());
        assertEquals("4", set.problems().get(1).answer());
        assertEquals("math", set.problems().get(1).checker());
        Path bad = file("y.jsonl", "{\"prompt\": \"P\", \"answer\": \"A\", \"checker\": \"fuzzy\"}");
        assertTrue(message(bad, null, TaskLoader.OnBadLine.STOP).contains(":1: field 'checker': unknown checker 'fuzzy'"));
    }

    @Test
    void explicitFormatOverridesDetection() throws IOException {
        Path f = file("g.jsonl", "{\"question\": \"Q\", \"answer\": \"#### 5\"}");
        assertTrue(message(f, TaskFormat.GENERIC, TaskLoader.OnBadLine.STOP).endsWith(":1: missing field 'prompt'"));
        assertEquals(TaskFormat.COMPETITION, TaskLoader.load(file("c.jsonl", "{\"question\": \"Q\", \"answer\": 5}")).format());
        assertEquals(TaskFormat.MATH, TaskFormat.parse("MATH-500"));
        assertEquals(TaskFormat.COMPETITION, TaskFormat.parse("aime"));
        assertThrows(BglException.class, () -> TaskFormat.parse("mmlu"));
    }

    @Test
    void malformedLineStopsOrIsSkippedAndCounted() throws IOException {
        Path f = file("m.jsonl",
                "{\"prompt\": \"a\", \"answer\": \"1\"}",
                "{\"prompt\": \"b\", \"answer\": ",
                "[1, 2]",
                "{\"prompt\": \"c\"}",
                "{\"prompt\": \"d\", \"answer\": \"4\"}");
        String m = message(f, null, TaskLoader.OnBadLine.STOP);
        assertTrue(m.contains(":2: malformed JSON"), m);
        TaskSet set = TaskLoader.load(f, null, TaskLoader.OnBadLine.SKIP);
        assertEquals(2, set.size());
        assertEquals(3, set.skippedLines());
        assertEquals("line-5", set.problems().get(1).id());
    }

    @Test
    void missingFieldNamesFieldAndLine() throws IOException {
        Path f = file("m.jsonl",
                "{\"problem\": \"P\", \"answer\": \"1\", \"unique_id\": \"a\"}",
                "{\"problem\": \"P\", \"answer\": \"2\", \"unique_id\": \"b\"}",
                "{\"problem\": \"P\", \"unique_id\": \"c\"}");
        assertTrue(message(f, null, TaskLoader.OnBadLine.STOP).endsWith(":3: missing field 'answer'"));
        Path g = file("n.jsonl", "{\"problem\": \"P\", \"answer\": [1], \"unique_id\": \"a\"}");
        assertTrue(message(g, TaskFormat.MATH, TaskLoader.OnBadLine.STOP).endsWith(":1: field 'answer': expected text, found ARRAY"));
        Path h = file("o.jsonl", "{\"prompt\": \"P\", \"answer\": \"  \"}");
        assertTrue(message(h, null, TaskLoader.OnBadLine.STOP).endsWith(":1: field 'answer' is empty"));
    }

    @Test
    void nonObjectAndDuplicateIds() throws IOException {
        assertTrue(message(file("a.jsonl", "[1, 2]"), TaskFormat.GENERIC, TaskLoader.OnBadLine.STOP).endsWith(":1: expected a JSON object, found ARRAY"));
        Path dup = file("d.jsonl", "{\"prompt\": \"a\", \"answer\": \"1\", \"id\": \"x\"}", "{\"prompt\": \"b\", \"answer\": \"2\", \"id\": \"x\"}");
        assertTrue(message(dup, null, TaskLoader.OnBadLine.STOP).endsWith(":2: duplicate id 'x'"));
    }

    @Test
    void emptyUnknownAndMissingFiles() throws IOException {
        assertTrue(message(file("e.jsonl", "", "  "), null, TaskLoader.OnBadLine.STOP).endsWith(": no problems in task file"));
        assertTrue(message(file("s.jsonl", "{oops", "{\"prompt\": \"a\", \"answer\": \"\"}"), null, TaskLoader.OnBadLine.SKIP)
                .endsWith(": no problems in task file (2 bad lines skipped)"));
        String unknown = message(file("u.jsonl", "{\"text\": \"a\", \"label\": 1}"), null, TaskLoader.OnBadLine.SKIP);
        assertTrue(unknown.contains(":1: cannot tell the task format from fields [label, text]"), unknown);
        assertTrue(message(dir.resolve("absent.jsonl"), null, TaskLoader.OnBadLine.STOP).endsWith(": no such task file"));
        Path binary = dir.resolve("bin.jsonl");
        Files.write(binary, new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1, '\n'});
        assertThrows(BglException.class, () -> TaskLoader.load(binary));
    }
}
