package dev.bgl.cli;

import dev.bgl.chat.EffortTemplateModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.bgl.cli.BadInputTest.assertCleanError;
import static dev.bgl.cli.BadInputTest.bgl;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A harmony template over a vocabulary that spells harmony's markers in ordinary text (no {@code <|end|>} control
 * token; gpt-oss's own vocabulary has one, {@link dev.bgl.budget.HarmonyMarkersTest}): a close spelled from {@code <}
 * cannot be followed, so plain generation runs and a budget method, or --thinking-format harmony, is one line naming
 * the format and why.
 */
class HarmonySeveralTokensTest {
    @TempDir
    Path dir;

    @Test
    void budgetMethodsSayWhyAndPlainGenerationRuns() throws Exception {
        String model = EffortTemplateModel.harmony(dir).toString();
        assertCleanError(bgl("run", "--model", model, "--mode", "hard", "--budget", "8", "2+2?"),
                "uses the harmony thinking format", "<|end|><|start|>assistant<|channel|>final<|message|>", "starting with ordinary text ('<')",
                "only when it starts with a control token", "needs a thinking model");
        assertCleanError(bgl("run", "--model", model, "--thinking-format", "harmony", "--mode", "hard", "--budget", "8", "2+2?"),
                "thinking format 'harmony'", "no token <|end|>", "spells it in", "only when it starts with a control token");
        BadInputTest.Run plain = bgl("generate", "--model", model, "-p", "2+2?", "--max-tokens", "2", "--temperature", "0", "--quiet");
        assertEquals(0, plain.code(), plain.err());
    }
}
