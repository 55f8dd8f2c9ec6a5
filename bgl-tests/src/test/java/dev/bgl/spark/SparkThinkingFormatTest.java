package dev.bgl.spark;

import dev.bgl.budget.GuidanceOptions;
import dev.bgl.chat.BracketThinkingModel;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.format.FormatException;
import dev.bgl.model.KvCacheType;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The driver's --thinking-format travels to the executors with the runner's spec, which open the model with it. */
class SparkThinkingFormatTest {
    @TempDir
    Path dir;

    @Test
    void executorsOpenTheModelWithTheDriversFormat() throws Exception {
        Path bracket = BracketThinkingModel.write(dir);
        RunnerSpec given = RunnerSpec.of(bracket, null, KvCacheType.F16, null, 0, GuidanceOptions.DEFAULT, null)
                .withThinkingFormat(ThinkingMarkers.parse("[THINK],[/THINK]"));
        assertEquals(ThinkingMarkers.BRACKET, given.format());
        assertEquals(ThinkingMarkers.BRACKET, ExecutorModels.model(given).markers());
        assertNull(RunnerSpec.of(bracket, null, KvCacheType.F16, null, 0, GuidanceOptions.DEFAULT, null).format(), "none given: the model's own");

        // a format the model's vocabulary lacks fails on the executor as on the driver, naming the marker
        RunnerSpec wrong = RunnerSpec.of(RepoFiles.shippedModel(), null, KvCacheType.F16, null, 0, GuidanceOptions.DEFAULT, null)
                .withThinkingFormat(ThinkingMarkers.BRACKET);
        FormatException e = assertThrows(FormatException.class, () -> ExecutorModels.model(wrong));
        assertTrue(e.getMessage().contains("no token [/THINK]"), e.getMessage());
    }
}
