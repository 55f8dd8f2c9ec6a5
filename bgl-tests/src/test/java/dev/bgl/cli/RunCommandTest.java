package dev.bgl.cli;

import dev.bgl.util.RepoFiles;
import dev.bgl.decode.LoadedModel;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bgl run} in-process on the shipped model: the streamed thinking and answer, the summary line, bad input. */
class RunCommandTest {
    record Run(int code, String out, String err) {
    }

    static Path shipped() {
        return RepoFiles.root().resolve(ModelOptions.DEFAULT_MODEL);
    }

    static Run bgl(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static final Pattern SUMMARY = Pattern.compile(
            "\\[(\\S+)] thinking (\\d+)(?: / (\\d+))? tokens(?: \\(no budget\\))?, answer (\\d+) tokens, intervened: (yes|no), [\\d.]+ tok/s, stop: end_of_generation");

    @Test
    void hardRunStreamsThinkingAndAnswerThenTheSummary() {
        Run r = bgl("run", "--model", shipped().toString(), "--budget", "20", "--mode", "hard", "--color", "never", "Add: 17+8+12+5");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        String body = r.out().substring(0, r.out().lastIndexOf(lines.getLast()));
        assertTrue(body.startsWith("<think>\n17+8=25\n"), body);
        assertTrue(body.contains("\n</think>\n\nAnswer: "), body);
        assertFalse(body.contains("\u001b["), "no escapes with --color never");
        Matcher m = SUMMARY.matcher(lines.getLast());
        assertTrue(m.matches(), lines.getLast());
        assertEquals("hard", m.group(1));
        assertEquals(20, Integer.parseInt(m.group(2)), "the budget, the inserted newline included");
        assertEquals("20", m.group(3));
        assertEquals("yes", m.group(5));
    }

    @Test
    void thinkingIsDimWhenColorIsOn() {
        Run r = bgl("run", "--model", shipped().toString(), "--budget", "10", "--mode", "qwen-stop", "--color", "always", "Add: 17+8+12+5");
        assertEquals(0, r.code(), r.err());
        String o = r.out();
        assertTrue(o.startsWith(RunCommand.DIM + "<think>"), o);
        int reset = o.indexOf(RunCommand.RESET);
        assertTrue(reset > 0 && o.substring(0, reset).endsWith("Considering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>"), o);
        assertTrue(o.substring(reset).contains("Answer: "), "the answer is plain: " + o);
        assertFalse(o.substring(reset + RunCommand.RESET.length()).contains(RunCommand.DIM), o);
        Matcher m = SUMMARY.matcher(o.strip().lines().toList().getLast());
        assertTrue(m.matches(), o);
        assertEquals("qwen-stop", m.group(1));
    }

    @Test
    void nothinkShowsTheEmptyThinkingAndReportsNoBudget() {
        Run r = bgl("run", "--model", shipped().toString(), "--mode", "nothink", "--color", "never", "Add: 1+2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("<think>\n\n</think>\n\nAnswer: "), r.out());
        Matcher m = SUMMARY.matcher(r.out().strip().lines().toList().getLast());
        assertTrue(m.matches(), r.out());
        assertEquals("0", m.group(2));
        assertNull(m.group(3));
        assertEquals("no", m.group(5));
    }

    @Test
    void guidedFindsThePredictorThatShipsBesideTheModel() {
        Run r = bgl("run", "--model", shipped().toString(), "--mode", "guided", "--budget", "12", "--color", "never", "Add: 17+8+12+5");
        assertEquals(0, r.code(), r.err());
        Matcher m = SUMMARY.matcher(r.out().strip().lines().toList().getLast());
        assertTrue(m.matches(), r.out());
        assertEquals("guided", m.group(1));
        assertEquals("12", m.group(3));
        assertTrue(r.out().contains("Answer: "), r.out());
    }

    static void assertOneLineError(Run r, String... mustContain) {
        assertEquals(1, r.code(), r.err());
        String e = r.err().strip();
        assertEquals(1, e.lines().count(), e);
        assertFalse(e.contains("\tat "), e);
        for (String s : mustContain) assertTrue(e.contains(s), "'" + s + "' in: " + e);
    }

    @Test
    void badInputIsOneLine() {
        String m = shipped().toString();
        assertOneLineError(bgl("run", "--model", m, "--budget", "20", "--mode", "fast", "Add: 1+2"),
                "unknown budget method 'fast'", "none, hard, qwen-stop, s1, prompt, nothink, guided");
        assertOneLineError(bgl("run", "--model", m, "--budget", "-1", "--mode", "hard", "Add: 1+2"), "--budget must be >= 0", "-1");
        assertOneLineError(bgl("run", "--model", m, "--budget", "20", "--mode", "hard", "  "), "no question");
        assertOneLineError(bgl("run", "--model", m, "--budget", "20", "--mode", "hard"), "no question");
        assertOneLineError(bgl("run", "--model", m, "--mode", "s1", "Add: 1+2"), "--budget is required for --mode s1");
        assertOneLineError(bgl("run", "--model", m, "--budget", "20", "--mode", "guided", "--predictor", "p.safetensors", "Add: 1+2"),
                "p.safetensors: no such file");
        assertOneLineError(bgl("run", "--model", m, "--budget", "20", "--mode", "guided", "--predictor", m, "Add: 1+2"),
                "bgl-reasoner.gguf");
        assertOneLineError(bgl("run", "--model", "nope.gguf", "--budget", "20", "--mode", "hard", "Add: 1+2"), "nope.gguf");
    }
}
