package dev.bgl.cli;

import dev.bgl.budget.predictor.OfficialCheckpoint;
import dev.bgl.model.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bgl run --mode guided} on folders laid out as the paper's released checkpoints (LLM and
 * predictor in one sharded BF16 state dict, tokenizer apart): found, loaded and guided with no
 * {@code --predictor}; the errors a user meets on the way are one line each.
 */
class OfficialCheckpointRunTest {
    @TempDir
    Path dir;

    static final Pattern GUIDED = Pattern.compile("\\[guided] thinking (\\d+) / (\\d+) tokens.*");

    @Test
    void guidedRunsEndToEndOnQwen2AndQwen3Folders() throws Exception {
        for (Architecture arch : List.of(Architecture.QWEN2, Architecture.QWEN3)) {
            var w = OfficialCheckpoint.write(dir, arch, 3);
            RunCommandTest.Run r = RunCommandTest.bgl("run", "--model", w.model().toString(), "--tokenizer", w.tokenizer().toString(),
                    "--mode", "guided", "--budget", "12", "--max-tokens", "40", "--color", "never", "Add: 17+8+12+5");
            assertEquals(0, r.code(), r.err());
            assertFalse(r.err().contains("ignored"), r.err());
            String last = r.out().strip().lines().toList().getLast();
            Matcher m = GUIDED.matcher(last);
            assertTrue(m.matches(), last);
            assertEquals("12", m.group(2));
        }
    }

    @Test
    void withoutATokenizerTheErrorSaysWhereToGetOne() throws Exception {
        var w = OfficialCheckpoint.write(dir, Architecture.QWEN3, 3);
        RunCommandTest.Run r = RunCommandTest.bgl("run", "--model", w.model().toString(), "--mode", "guided", "--budget", "12", "x");
        assertNotEquals(0, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("no tokenizer.json") && r.err().contains("--tokenizer"), r.err());
    }

    @Test
    void aMissingShardIsOneLineNamingIt() throws Exception {
        var w = OfficialCheckpoint.write(dir, Architecture.QWEN2, 3);
        Files.delete(w.shards().get(1));
        String shard = w.shards().get(1).getFileName().toString();
        RunCommandTest.Run r = RunCommandTest.bgl("run", "--model", w.model().toString(), "--tokenizer", w.tokenizer().toString(),
                "--mode", "guided", "--budget", "12", "x");
        assertNotEquals(0, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("shard '" + shard + "'") && r.err().contains("no such file"), r.err());
    }
}
