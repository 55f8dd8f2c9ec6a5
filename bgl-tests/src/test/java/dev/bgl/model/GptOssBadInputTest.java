package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufValue;
import dev.bgl.format.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gpt-oss file missing its sinks or a bias, with tensors whose shapes disagree with the metadata,
 * or with a sliding window that is not positive, is refused when opened (from the metadata and the
 * tensor directory, before any weight is packed or KV cache allocated) with one error naming the
 * key or the tensor. The files are a valid random model rewritten with one thing changed.
 */
class GptOssBadInputTest {
    @TempDir
    Path dir;

    private Path valid() throws IOException {
        Path f = dir.resolve("oss.gguf");
        if (!Files.exists(f))
            RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.GPT_OSS, GgmlType.F32, 2, 64, 2, 1, 32, 96, 40, 64,
                    150000f, 1e-5f, false, 1, "t").withExperts(new ExpertConfig(4, 2, 32, false)).withSlidingWindow(8), GptOssBadInputTest::vocab, f);
        return f;
    }

    private static void vocab(GgufWriter w) {
        String[] tokens = new String[40];
        for (int i = 0; i < tokens.length; i++) tokens[i] = "t" + i;
        w.put("tokenizer.ggml.model", "gpt2");
        w.putStrings("tokenizer.ggml.tokens", tokens);
    }

    /** The valid file with {@code key} set to {@code value} (null: removed) and tensor {@code drop} left out, or replaced by {@code with}. */
    private Path rewrite(String key, GgufValue value, String drop, float[] with, long... withDims) throws IOException {
        Path out = dir.resolve("bad-" + System.nanoTime() + ".gguf");
        GgufWriter w = new GgufWriter();
        try (var src = GgufFile.open(valid())) {
            for (var e : src.meta().values().entrySet())
                if (!e.getKey().equals(key)) w.put(e.getKey(), e.getValue());
            if (key != null && value != null) w.put(key, value);
            for (var t : src.tensors().values()) {
                if (t.name().equals(drop)) {
                    if (with != null) {
                        byte[] b = dev.bgl.tensor.Tensor.quantize(drop, GgmlType.F32, with, 1, with.length).data().toArray(ValueLayout.JAVA_BYTE);
                        w.tensor(drop, GgmlType.F32, withDims, b);
                    }
                    continue;
                }
                w.tensor(t.name(), t.type(), t.dims(), src.data(t).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        w.write(out);
        return out;
    }

    private static String error(Path f) {
        return assertThrows(FormatException.class, () -> GgufModelSource.open(f).close()).getMessage();
    }

    @Test
    void theValidFileOpens() throws IOException {
        try (var src = GgufModelSource.open(valid())) {
            ModelConfig c = src.config();
            assertEquals(Architecture.GPT_OSS, c.architecture());
            assertEquals(new SlidingWindow(8, 2), c.slidingWindow());
            assertEquals(8, c.windowOf(0));
            assertEquals(0, c.windowOf(1));
            assertEquals(new ExpertConfig(4, 2, 32, false), c.experts());
            // every tensor of the file is counted once, sinks and biases included; a token reads 2 of 4 experts' matrices and biases
            long elements = 0;
            for (String name : src.tensorNames()) elements += src.tensor(name).elements();
            assertEquals(elements, c.parameterCount());
            assertEquals(elements - 2L * 2 * (3 * 64 * 32 + 2 * 32 + 64), c.activeParameterCount());
            // the same file rewritten unchanged opens alike: the rewriting itself breaks nothing
            try (var again = GgufModelSource.open(rewrite(null, null, null, null))) {
                assertEquals(c, again.config());
            }
        }
    }

    @Test
    void missingSinksAreNamed() throws IOException {
        String m = error(rewrite(null, null, "blk.1.attn_sinks.weight", null));
        assertTrue(m.contains("missing tensor 'blk.1.attn_sinks.weight'"), m);
    }

    @Test
    void missingBiasesAreNamed() throws IOException {
        for (String t : new String[]{"blk.0.attn_output.bias", "blk.0.attn_q.bias", "blk.1.ffn_gate_inp.bias",
                "blk.0.ffn_up_exps.bias", "blk.1.ffn_down_exps.bias"}) {
            String m = error(rewrite(null, null, t, null));
            assertTrue(m.contains("missing tensor '" + t + "'"), m);
        }
        String m = error(rewrite(null, null, "output.weight", null));
        assertTrue(m.contains("'output.weight'"), m);
    }

    @Test
    void shapesThatDisagreeWithTheMetadataAreNamed() throws IOException {
        // three sinks for two heads
        String m = error(rewrite(null, null, "blk.0.attn_sinks.weight", new float[3], 3));
        assertTrue(m.contains("'blk.0.attn_sinks.weight' has shape [3]") && m.contains("[2]"), m);
        // an expert bias laid out for 2 experts of 64, not 4 of 32
        m = error(rewrite(null, null, "blk.0.ffn_gate_exps.bias", new float[128], 64, 2));
        assertTrue(m.contains("'blk.0.ffn_gate_exps.bias' has shape [64, 2]") && m.contains("[32, 4]"), m);
        // heads declared 4 where the file's attention has 2
        m = error(rewrite("gpt-oss.attention.head_count", GgufValue.ofU32(4), null, null));
        assertTrue(m.contains("'blk.0.attn_q.weight'") && m.contains("[64, 128]"), m);
    }

    @Test
    void aPartialRotationIsNamed() throws IOException {
        // llama.cpp would rotate 16 of the head's 32 dimensions (n_rot); bgl rotates whole heads, so it refuses
        String m = error(rewrite("gpt-oss.rope.dimension_count", GgufValue.ofU32(16), null, null));
        assertTrue(m.contains("'gpt-oss.rope.dimension_count' = 16") && m.contains("32"), m);
        try (var src = GgufModelSource.open(rewrite("gpt-oss.rope.dimension_count", GgufValue.ofU32(32), null, null))) {
            assertEquals(32, src.config().headDim());
        }
    }

    @Test
    void aWindowThatIsNotPositiveIsNamed() throws IOException {
        String m = error(rewrite("gpt-oss.attention.sliding_window", GgufValue.ofU32(0), null, null));
        assertTrue(m.contains("'gpt-oss.attention.sliding_window' = 0"), m);
        m = error(rewrite("gpt-oss.attention.sliding_window", GgufValue.ofI32(-4), null, null));
        assertTrue(m.contains("'gpt-oss.attention.sliding_window' = -4"), m);
        m = error(rewrite("gpt-oss.attention.sliding_window", null, null, null));
        assertTrue(m.contains("missing metadata 'gpt-oss.attention.sliding_window'"), m);
    }
}
