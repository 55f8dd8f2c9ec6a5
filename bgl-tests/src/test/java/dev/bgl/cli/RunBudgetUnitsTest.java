package dev.bgl.cli;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bgl run --budget} in other units on the shipped model. */
class RunBudgetUnitsTest {

    static RunCommandTest.Run bgl(String... args) {
        return RunCommandTest.bgl(args);
    }

    static java.nio.file.Path shipped() {
        return RunCommandTest.shipped();
    }

    /** The output without the tok/s figure, which differs run to run. */
    static String stable(String out) {
        return out.replaceAll("[\\d.]+ tok/s", "X tok/s");
    }

    @Test
    void tokSuffixIsTheBareNumber() {
        var a = bgl("run", "--model", shipped().toString(), "--budget", "20", "--mode", "hard", "--color", "never", "Add: 17+8+12+5");
        var b = bgl("run", "--model", shipped().toString(), "--budget", "20tok", "--mode", "hard", "--color", "never", "Add: 17+8+12+5");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertEquals(stable(a.out()), stable(b.out()));
        assertTrue(a.out().contains("thinking 20 / 20 tokens"), a.out());
    }

    /** Everything before the summary line: the streamed thinking and answer. */
    static String streamed(String out) {
        String o = out.strip();
        return o.substring(0, o.lastIndexOf('\n'));
    }

    @Test
    void aLimitThatNeverBindsLeavesTheTokenBudgetInCharge() {
        // through the controller (two limits) the strategies must act exactly as with the bare token budget
        for (String mode : new String[]{"guided", "s1", "hard"}) {
            var a = bgl("run", "--model", shipped().toString(), "--budget", "12", "--mode", mode, "--color", "never", "Add: 17+8+12+5");
            var b = bgl("run", "--model", shipped().toString(), "--budget", "12tok,1PFLOP", "--mode", mode, "--color", "never", "Add: 17+8+12+5");
            assertEquals(0, a.code(), a.err());
            assertEquals(0, b.code(), b.err());
            assertEquals(streamed(a.out()), streamed(b.out()), mode);
            assertTrue(b.out().contains("thinking ") && b.out().contains(" / 12 tokens, compute "), b.out());
        }
    }

    @Test
    void kvAndComputeLimitsPrintWhatWasSpentInTheirUnits() {
        var r = bgl("run", "--model", shipped().toString(), "--budget", "5s,200KB,1TFLOP", "--mode", "hard", "--color", "never", "Add: 17+8+12+5");
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("\\[hard] time ([\\d.]+) (m?s) / 5 s, KV ([\\d.]+) KB / 200 KB, compute ([\\d.]+) [MGT]?FLOP / 1 TFLOP, thinking (\\d+) tokens, answer \\d+ tokens")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(3)) <= 200, "KV within its limit: " + m.group(3));
        assertTrue(r.out().contains("Answer: "), r.out());
    }

    @Test
    void badBudgetsAreOneLineErrors() {
        String model = shipped().toString();
        var r = bgl("run", "--model", model, "--budget", "5parsec", "--mode", "hard", "Add: 1+2");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("bad budget '5parsec'") && r.err().strip().lines().count() == 1, r.err());
        r = bgl("run", "--model", model, "--budget", "5s", "--mode", "prompt", "Add: 1+2");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--mode prompt") && r.err().contains("'5s'"), r.err());
    }
}
