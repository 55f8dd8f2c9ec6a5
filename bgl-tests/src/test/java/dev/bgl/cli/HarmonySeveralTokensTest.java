package dev.bgl.cli;

import dev.bgl.chat.EffortTemplateModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.bgl.cli.BadInputTest.assertCleanError;
import static dev.bgl.cli.BadInputTest.bgl;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A harmony template over a vocabulary that spells harmony's markers in several tokens (gpt-oss's own does, in 3 and
 * 6): plain generation runs; a budget method, and --thinking-format harmony, are one line naming the format and why.
 */
class HarmonySeveralTokensTest {
    @TempDir
    Path dir;

    @Test
    void budgetMethodsSayWhyAndPlainGenerationRuns() throws Exception {
        String model = EffortTemplateModel.harmony(dir).toString();
        assertCleanError(bgl("run", "--model", model, "--mode", "hard", "--budget", "8", "2+2?"),
                "uses the harmony thinking format", "<|channel|>analysis<|message|>", "single-token markers only", "needs a thinking model");
        assertCleanError(bgl("run", "--model", model, "--thinking-format", "harmony", "--mode", "hard", "--budget", "8", "2+2?"),
                "thinking format 'harmony'", "no token <|channel|>analysis<|message|>", "spells it in", "single-token markers only");
        BadInputTest.Run plain = bgl("generate", "--model", model, "-p", "2+2?", "--max-tokens", "2", "--temperature", "0", "--quiet");
        assertEquals(0, plain.code(), plain.err());
    }
}
