package dev.bgl.cli;

import dev.bgl.chat.EffortTemplateModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.bgl.cli.BadInputTest.assertCleanError;
import static dev.bgl.cli.BadInputTest.bgl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --reasoning-effort: in the help of each command that renders a chat prompt, one line for a bad value, in the prompt. */
class ReasoningEffortCliTest {
    @TempDir
    Path dir;

    @Test
    void everyPromptCommandTakesItAndRefusesABadValueInOneLine() {
        for (String cmd : new String[]{"generate", "run", "eval", "batch", "serve"}) {
            BadInputTest.Run help = bgl(cmd, "--help");
            assertTrue(help.out().contains("--reasoning-effort") && help.out().contains("ignores it"), cmd + ": " + help.out());
        }
        assertCleanError(bgl("generate", "-p", "hi", "--reasoning-effort", "extreme"), "--reasoning-effort", "'extreme'", "low, medium, high");
        assertCleanError(bgl("run", "--mode", "hard", "--budget", "8", "--reasoning-effort", "max", "2+2?"), "--reasoning-effort", "'max'");
        assertCleanError(bgl("serve", "--port", "0", "--reasoning-effort", "none"), "--reasoning-effort", "'none'");
    }

    /** What generate writes on System.err (its statistics, notes). */
    static String stderrOf(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        BadInputTest.Run r;
        try {
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            r = bgl(args);
        } finally {
            System.setErr(old);
        }
        String err = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, r.code(), r.err() + err);
        return err;
    }

    /** The prompt-token count generate reports on stderr. */
    static int promptTokens(String... args) {
        String err = stderrOf(args);
        Matcher m = Pattern.compile("\\[(\\d+) prompt tokens").matcher(err);
        assertTrue(m.find(), err);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void generateRendersItIntoThePrompt() throws Exception {
        String model = EffortTemplateModel.write(dir).toString();
        int plain = promptTokens("generate", "-m", model, "-p", "2+2?", "--max-tokens", "1", "--temperature", "0");
        int high = promptTokens("generate", "-m", model, "-p", "2+2?", "--max-tokens", "1", "--temperature", "0", "--reasoning-effort", "high");
        assertTrue(high > plain, "'Reasoning: high' is in the prompt: " + high + " vs " + plain);
    }

    @Test
    void aTemplateWithoutItSaysItChangesNothing() throws Exception {
        String model = dev.bgl.util.RepoFiles.shippedModel().toString();
        String err = stderrOf("generate", "-m", model, "-p", "2+2?", "--max-tokens", "1", "--temperature", "0", "--reasoning-effort", "low");
        assertTrue(err.contains("does not use reasoning_effort") && err.contains("changes nothing"), err);
        String effortModel = EffortTemplateModel.write(dir).toString();
        err = stderrOf("generate", "-m", effortModel, "-p", "2+2?", "--max-tokens", "1", "--temperature", "0", "--reasoning-effort", "low");
        assertTrue(!err.contains("changes nothing"), err);
    }

    @Test
    void anEvalRunOfOneEffortIsNotResumedWithAnother() throws Exception {
        String model = EffortTemplateModel.write(dir).toString(), out = dir.resolve("run").toString();
        String[] base = {"eval", "-m", model, "--tasks", "synthetic", "--n", "1", "--methods", "none", "--max-tokens", "8", "--out", out};
        BadInputTest.Run first = bgl(concat(base, "--reasoning-effort", "low"));
        assertEquals(0, first.code(), first.err());
        assertEquals(0, bgl(concat(base, "--reasoning-effort", "LOW")).code(), "the same effort resumes");
        assertCleanError(bgl(concat(base, "--reasoning-effort", "high")), "other settings", "reasoning effort: now high, there low");
        assertCleanError(bgl(base), "other settings", "reasoning effort: now the template's own, there low");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
