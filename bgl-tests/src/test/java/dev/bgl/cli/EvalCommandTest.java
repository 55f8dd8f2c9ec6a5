package dev.bgl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input to {@code bgl eval}: each a one-line message naming what is wrong, exit 1 (2 for a malformed option), no records. */
class EvalCommandTest {
    @TempDir
    Path dir;

    record Outcome(int code, String err) {
    }

    Outcome eval(String... args) {
        List<String> a = new ArrayList<>(List.of("eval", "--out", dir.resolve("out").toString()));
        a.addAll(List.of(args));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Outcome(code, err.toString().strip());
    }

    void assertOneLine(Outcome o, String... parts) {
        assertEquals(1, o.code(), o.err());
        assertEquals(1, o.err().lines().count(), "one line: " + o.err());
        for (String p : parts) assertTrue(o.err().contains(p), "'" + p + "' not in: " + o.err());
    }

    Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void unknownTaskFormat() {
        assertOneLine(eval("--tasks", "mmlu:x.jsonl", "--methods", "none"), "unknown task format 'mmlu'");
    }

    @Test
    void undetectableFormat() throws Exception {
        Path f = file("t.jsonl", "{\"q\": \"1+1\", \"a\": 2}\n");
        assertOneLine(eval("--tasks", f.toString(), "--methods", "none"), "t.jsonl:1:", "cannot tell the task format");
    }

    @Test
    void malformedLineStopsWithItsNumberOrIsSkipped() throws Exception {
        Path f = file("g.jsonl", "{\"prompt\": \"1+1\", \"answer\": \"2\"}\n{\"prompt\": \"2+2\",\n{\"prompt\": \"3+3\", \"answer\": \"6\"}\n");
        assertOneLine(eval("--tasks", "jsonl:" + f, "--methods", "none"), "g.jsonl:2:", "malformed JSON");
        // skipping: the two good problems load; the run then goes on (checked cheaply: a later error about the methods)
        Outcome o = eval("--tasks", "jsonl:" + f, "--on-bad-line", "skip", "--methods", "none,hard");
        assertOneLine(o, "need", "--budgets");
        assertOneLine(eval("--tasks", "jsonl:" + f, "--on-bad-line", "maybe", "--methods", "none"), "--on-bad-line must be skip or stop");
    }

    @Test
    void missingField() throws Exception {
        Path f = file("m.jsonl", "{\"question\": \"1+1\", \"answer\": \"#### 2\"}\n{\"question\": \"2+2\"}\n");
        assertOneLine(eval("--tasks", "gsm8k:" + f, "--methods", "none"), "m.jsonl:2:", "missing field 'answer'");
    }

    @Test
    void emptySet() throws Exception {
        Path f = file("e.jsonl", "\n\n");
        assertOneLine(eval("--tasks", f.toString(), "--methods", "none"), "e.jsonl", "no problems");
        assertOneLine(eval("--tasks", "synthetic:", "--methods", "none"), "names no families");
        assertOneLine(eval("--tasks", "synthetic:sum,cube", "--methods", "none"), "unknown task family 'cube'");
    }

    @Test
    void unknownMethod() {
        assertOneLine(eval("--tasks", "synthetic", "--methods", "none,magic"), "unknown budget method 'magic'", "known: none, hard");
    }

    @Test
    void budgetsMissingForBudgetedMethods() {
        assertOneLine(eval("--tasks", "synthetic", "--methods", "hard,s1"), "methods hard, s1 need budgets", "--budget-fractions");
        assertOneLine(eval("--tasks", "synthetic", "--methods", "hard", "--budgets", "8", "--budget-fractions", "0.5"), "not both");
        assertOneLine(eval("--tasks", "synthetic", "--methods", "hard", "--budgets", "8,-1"), "budgets must be >= 0");
        assertOneLine(eval("--tasks", "synthetic", "--methods", "hard", "--budget-fractions", "0"), "fractions must be > 0");
        assertFalse(Files.exists(dir.resolve("out").resolve("records.jsonl")), "nothing is written for bad input");
    }

    @Test
    void aSmallRunWritesItsReportAndSaysHowItWasMade() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        Path o = dir.resolve("run");
        int code = Main.run(new String[]{"eval", "--tasks", "synthetic:sum", "--methods", "hard", "--budgets", "8", "--n", "2",
                "--max-tokens", "200", "--out", o.toString()}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        assertEquals(4, Files.readAllLines(o.resolve("records.jsonl")).size(), "2 problems × (none, hard@8): none always runs");
        String html = Files.readString(o.resolve("report.html"));
        assertTrue(html.contains("<code>bgl eval --tasks synthetic:sum --methods hard --budgets 8 --n 2 --max-tokens 200 --out "), "command line in the report");
        assertTrue(out.toString().contains("hard") && out.toString().contains("report.html"), out.toString());
    }

    @Test
    void aPredictorFileThatIsNotThere() {
        assertOneLine(eval("--tasks", "synthetic", "--methods", "none", "--predictor", dir.resolve("nope.bin").toString()), "nope.bin: no such file");
    }

    @Test
    void parallelRefusesWhatWouldChangeItsRecords() {
        assertOneLine(eval("--tasks", "synthetic", "--methods", "guided", "--budgets", "8", "--parallel", "4", "--calibrate"),
                "--calibrate", "one sample at a time", "drop --parallel 4");
        assertOneLine(eval("--tasks", "synthetic", "--methods", "none", "--parallel", "4", "--threads", "2"), "--parallel 4", "--threads 2");
        assertOneLine(eval("--tasks", "synthetic", "--methods", "none", "--parallel", "0"), "--parallel must be in 1..1024, got 0");
        assertFalse(Files.exists(dir.resolve("out").resolve("records.jsonl")), "nothing is written for bad input");
    }

    @Test
    void aParallelRunWritesTheSameRecordsAsASequentialOne() throws Exception {
        List<List<String>> runs = new ArrayList<>();
        // the first run warms the JIT up (a kernel not yet compiled may round in another order); the next two are compared
        String[] parallels = {"3", "1", "3"};
        for (int i = 0; i < parallels.length; i++) {
            String parallel = parallels[i];
            StringWriter out = new StringWriter(), err = new StringWriter();
            Path o = dir.resolve("run" + i);
            int code = Main.run(new String[]{"eval", "--tasks", "synthetic:sum", "--methods", "hard", "--budgets", "8", "--n", "3",
                    "--max-tokens", "200", "--parallel", parallel, "--out", o.toString()}, new PrintWriter(out), new PrintWriter(err));
            assertEquals(0, code, err.toString());
            runs.add(Files.readAllLines(o.resolve("records.jsonl")).stream()
                    .map(l -> l.replaceAll("\"(wall_ms|decode_tps)\":[^,]*,", "")).toList());
        }
        assertEquals(6, runs.get(1).size(), "3 problems × (none, hard@8)");
        assertEquals(runs.get(1), runs.get(2), "the same records in the same order, timings aside");
    }
}
