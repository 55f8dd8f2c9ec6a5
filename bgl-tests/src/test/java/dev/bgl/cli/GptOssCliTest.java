package dev.bgl.cli;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.format.GgufWriter;
import dev.bgl.model.Architecture;
import dev.bgl.model.ExpertConfig;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.bgl.cli.BadInputTest.assertCleanError;
import static dev.bgl.cli.BadInputTest.bgl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gpt-oss from the command line: inspect shows its window and sinks; a broken file and make-model's bad options are one line each. */
class GptOssCliTest {
    @TempDir
    Path dir;

    @Test
    void inspectShowsTheWindowAndSinksAndRefusesABrokenFile() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path oss = dir.resolve("oss.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.GPT_OSS, GgmlType.F32, 4, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 256, 150000f, 1e-5f, false, 5, "t").withExperts(new ExpertConfig(4, 2, 32, false))
                .withSlidingWindow(16).withExpertType(GgmlType.MXFP4), vocab::writeTo, oss);
        // inspect prints to System.out
        java.io.PrintStream old = System.out;
        var buf = new java.io.ByteArrayOutputStream();
        BadInputTest.Run ok;
        try {
            System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
            ok = bgl("inspect", oss.toString());
        } finally {
            System.setOut(old);
        }
        String text = ok.out() + buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, ok.code(), ok.err());
        assertTrue(text.contains("architecture: gpt-oss") && text.contains("sliding_window: 16 tokens on layer 0, 2 (2 of 4 layers)")
                && text.contains("attention_sinks: one logit per query head (2 per layer)") && text.contains("MXFP4:"), text);

        Path bad = dir.resolve("no-sinks.gguf");
        try (GgufFile f = GgufFile.open(oss)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata());
            for (GgufTensorInfo t : f.tensorList()) if (!t.name().equals("blk.2.attn_sinks.weight")) w.tensor(t.name(), t.type(), t.dims(), f.data(t));
            w.write(bad);
        }
        assertCleanError(bgl("inspect", bad.toString()), "no-sinks.gguf", "missing tensor 'blk.2.attn_sinks.weight'");
    }

    @Test
    void makeModelChecksItsGptOssOptions() throws Exception {
        Path tok = dir.resolve("tokenizer.json");
        Files.writeString(tok, "{}");
        String out = dir.resolve("x.gguf").toString();
        assertCleanError(bgl("make-model", "--arch", "gpt-oss", "--sliding-window", "0", "--vocab-from", tok.toString(), out),
                "--sliding-window must be at least 1, got 0");
        assertCleanError(bgl("make-model", "--arch", "qwen3", "--sliding-window", "16", "--vocab-from", tok.toString(), out),
                "--sliding-window is for --arch gpt-oss");
        assertCleanError(bgl("make-model", "--arch", "llama", "--type", "MXFP4_MOE", "--vocab-from", tok.toString(), out),
                "MXFP4_MOE is for qwen3moe and gpt-oss");
        assertCleanError(bgl("make-model", "--arch", "gpt-oss", "--expert-type", "Q9_9", "--vocab-from", tok.toString(), out),
                "--expert-type: cannot write 'Q9_9'");
    }
}
