package dev.bgl.cli;

import dev.bgl.chat.BracketThinkingModel;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.util.BglException;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.bgl.cli.BadInputTest.assertCleanError;
import static dev.bgl.cli.BadInputTest.bgl;
import static org.junit.jupiter.api.Assertions.*;

/** --thinking-format on the commands that load a model: names and markers, and one clear line for a bad one. */
class ThinkingFormatOptionTest {
    @TempDir
    static Path dir;

    @Test
    void namesAliasesAndExplicitMarkersParse() {
        assertEquals(ThinkingMarkers.THINK, ThinkingMarkers.parse("think"));
        assertEquals(ThinkingMarkers.THINK, ThinkingMarkers.parse("Qwen3"));
        assertEquals(ThinkingMarkers.THINK, ThinkingMarkers.parse("<think>,</think>"), "explicit markers of a family are that family");
        assertEquals(ThinkingMarkers.BRACKET, ThinkingMarkers.parse("magistral"));
        assertEquals(ThinkingMarkers.HARMONY, ThinkingMarkers.parse("gpt-oss"));
        ThinkingMarkers own = ThinkingMarkers.parse("<reason>, </reason>");
        assertEquals("<reason>", own.open());
        assertEquals("</reason>", own.close());
        assertEquals("\n</reason>\n\n", own.cutText());
        assertEquals("<reason>\n\n</reason>\n\n", own.emptyThinking());
    }

    @Test
    void anUnknownFormatIsNamedWithTheKnownOnes() {
        BglException e = assertThrows(BglException.class, () -> ThinkingMarkers.parse("deepthink"));
        assertTrue(e.getMessage().contains("'deepthink'") && e.getMessage().contains("think, mistral, harmony"), e.getMessage());
        assertThrows(BglException.class, () -> ThinkingMarkers.parse("<a>,"));
        assertThrows(BglException.class, () -> ThinkingMarkers.parse("<a>,<a>"));
    }

    @Test
    void theCliRefusesAnUnknownFormatBeforeReadingTheModel() {
        // the model path does not exist: the format is judged first
        assertCleanError(bgl("run", "--model", dir.resolve("absent.gguf").toString(), "--thinking-format", "deepthink",
                "--mode", "hard", "--budget", "8", "2+2?"), "unknown thinking format 'deepthink'");
        assertCleanError(bgl("eval", "--model", dir.resolve("absent.gguf").toString(), "--thinking-format", "deepthink",
                "--tasks", "synthetic", "--out", dir.resolve("e").toString()), "unknown thinking format 'deepthink'");
    }

    @Test
    void markersTheVocabularyLacksAreRefusedNamingTheFileAndTheMarker() {
        Path model = RepoFiles.shippedModel();
        assertCleanError(bgl("run", "--model", model.toString(), "--thinking-format", "mistral", "--mode", "hard", "--budget", "8", "2+2?"),
                model.getFileName().toString(), "thinking format 'mistral'", "no token [/THINK]", "the first of them '[' ordinary text");
        assertCleanError(bgl("run", "--model", model.toString(), "--thinking-format", "harmony", "--mode", "hard", "--budget", "8", "2+2?"),
                "thinking format 'harmony'", "no token <|end|><|start|>assistant<|channel|>final<|message|>", "starts with a control token");
    }

    /** The run's text without its decode speed (the only part that may differ between two runs). */
    static String withoutSpeed(String out) {
        return out.replaceAll("[0-9.]+ tok/s", "N tok/s");
    }

    /** What `bgl inspect --json` prints (to System.out, as the command does). */
    static String inspect(Path model) {
        java.io.PrintStream old = System.out;
        var buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertEquals(0, bgl("inspect", "--json", model.toString()).code());
        } finally {
            System.setOut(old);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void theFormatCanBeGivenForAModelWhoseTemplateDoesNotShowIt() throws Exception {
        Path bracket = BracketThinkingModel.write(dir);
        BadInputTest.Run auto = bgl("run", "--model", bracket.toString(), "--mode", "hard", "--budget", "8", "--color", "never", "What is 2 + 3?");
        BadInputTest.Run given = bgl("run", "--model", bracket.toString(), "--thinking-format", "[THINK],[/THINK]", "--mode", "hard",
                "--budget", "8", "--color", "never", "What is 2 + 3?");
        assertEquals(0, auto.code(), auto.err());
        assertEquals(0, given.code(), given.err());
        assertTrue(auto.out().contains("[/THINK]"), "the cut closes with the model's marker: " + auto.out());
        assertFalse(auto.out().contains("</think>"), auto.out());
        assertEquals(withoutSpeed(auto.out()), withoutSpeed(given.out()));
        String inspected = inspect(bracket);
        assertTrue(inspected.contains("mistral ([THINK] … [/THINK])"), inspected);
        assertTrue(inspect(RepoFiles.shippedModel()).contains("think (<think> … </think>)"));
    }
}
