package dev.bgl.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** The README's first command: the default model answers, then the same question is cut off and guided under a budget. */
class DemoCommandTest {
    @Test
    void answersThenComparesTheHardCutWithGuidanceUnderTheSameBudget() {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = Main.run(new String[]{"demo"}, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        int full = out.indexOf("Answer: 33747"), hard = out.indexOf("[hard] thinking 50 / 50 tokens"), guided = out.indexOf("[guided] thinking ");
        assertTrue(full >= 0, "the full-thinking answer to 4821*7 is 33747:\n" + out);
        assertTrue(hard > full, "then the hard cut at exactly the budget:\n" + out);
        assertTrue(guided > hard, "then the guided run:\n" + out);
        assertFalse(out.substring(full + 1, hard).contains("Answer: 33747"), "the cut at 50 of its ~180 thinking tokens answers wrong:\n" + out);
        assertTrue(out.substring(hard, guided).contains("Answer: 33747"), "guidance answers right under the budget where the cut does not:\n" + out);
        assertTrue(out.substring(guided).matches("(?s)\\[guided\\] thinking ([1-4]?[0-9]|50) / 50 tokens.*"), "within the budget:\n" + out.substring(guided));
        // at a glance: the cut kept the full thinking's words, guidance took another route
        assertTrue(out.substring(hard, guided).contains("route: the full thinking's first"), out.substring(hard, guided));
        assertTrue(out.substring(guided).contains("route: changed"), out.substring(guided));
    }
}
