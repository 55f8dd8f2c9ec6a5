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
            code = Main.run(new String[]{"demo", "--budget", "15"}, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        int full = out.indexOf("Answer: 42"), hard = out.indexOf("[hard] thinking 15 / 15 tokens"), guided = out.indexOf("[guided] thinking ");
        assertTrue(full >= 0, "the full-thinking answer to 17+8+12+5 is 42:\n" + out);
        assertTrue(hard > full, "then the hard cut at exactly the budget:\n" + out);
        assertTrue(guided > hard, "then the guided run:\n" + out);
        assertTrue(out.substring(hard, guided).contains("Answer: 42"), "guidance answers right under the budget where the cut does not:\n" + out);
    }
}
