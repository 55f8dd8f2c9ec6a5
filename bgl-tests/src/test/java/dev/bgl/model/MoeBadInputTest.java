package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A qwen3moe file whose expert metadata is wrong, or disagrees with its expert tensors, is refused
 * when opened (before any weight is packed or KV cache allocated) with an error naming the key or
 * the tensor. The files are a valid random model with one metadata value rewritten in place.
 */
class MoeBadInputTest {
    @TempDir
    Path dir;

    private Path valid() throws IOException {
        Path f = dir.resolve("moe.gguf");
        if (Files.exists(f)) Files.delete(f);
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3MOE, GgmlType.F32, 2, 64, 2, 1, 32, 96, 40, 64,
                1e6f, 1e-6f, false, 1, "t").withExperts(new ExpertConfig(8, 2, 32, true)), MoeBadInputTest::vocab, f);
        return f;
    }

    private static void vocab(GgufWriter w) {
        String[] tokens = new String[40];
        for (int i = 0; i < tokens.length; i++) tokens[i] = "t" + i;
        w.put("tokenizer.ggml.model", "gpt2");
        w.putStrings("tokenizer.ggml.tokens", tokens);
    }

    /** Rewrites the u32 value of metadata {@code key} in place. */
    private static Path patch(Path f, String key, int value) throws IOException {
        byte[] b = Files.readAllBytes(f);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 8; i + k.length + 8 <= b.length; i++) {
            for (int j = 0; j < k.length; j++) if (b[i + j] != k[j]) continue outer;
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (bb.getLong(i - 8) != k.length || bb.getInt(i + k.length) != 4) continue; // u64 length before, u32 type after
            bb.putInt(i + k.length + 4, value);
            Files.write(f, b);
            return f;
        }
        throw new AssertionError("no u32 key " + key);
    }

    private String error(Path f) {
        FormatException e = assertThrows(FormatException.class, () -> GgufModelSource.open(f).close());
        return e.getMessage();
    }

    @Test
    void theValidFileOpens() throws IOException {
        try (var src = GgufModelSource.open(valid())) {
            assertEquals(new ExpertConfig(8, 2, 32, true), src.config().experts());
            // 2 of 8 experts: the active parameters are the total less 6 experts' three matrices per layer
            assertEquals(src.config().parameterCount() - 2L * 6 * 3 * 64 * 32, src.config().activeParameterCount());
        }
    }

    @Test
    void moreExpertsUsedThanThereAreIsNamed() throws IOException {
        String m = error(patch(valid(), "qwen3moe.expert_used_count", 9));
        assertTrue(m.contains("'qwen3moe.expert_used_count' = 9") && m.contains("'qwen3moe.expert_count' = 8"), m);
    }

    @Test
    void zeroCountsAreNamed() throws IOException {
        String m = error(patch(valid(), "qwen3moe.expert_used_count", 0));
        assertTrue(m.contains("'qwen3moe.expert_used_count' = 0"), m);
        m = error(patch(valid(), "qwen3moe.expert_count", 0));
        assertTrue(m.contains("'qwen3moe.expert_count' = 0"), m);
    }

    @Test
    void expertTensorsThatDisagreeWithTheCountsAreNamed() throws IOException {
        String m = error(patch(valid(), "qwen3moe.expert_count", 16));
        assertTrue(m.contains("'blk.0.ffn_gate_inp.weight' has shape [64, 8]") && m.contains("[64, 16]"), m);
        m = error(patch(valid(), "qwen3moe.expert_feed_forward_length", 64));
        assertTrue(m.contains("'blk.0.ffn_gate_exps.weight' has shape [64, 32, 8]") && m.contains("[64, 64, 8]"), m);
    }

    @Test
    void aMissingExpertCountIsNamed() throws IOException {
        Path f = dir.resolve("dense-as-moe.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 1, 64, 2, 1, 32, 96, 40, 64,
                1e6f, 1e-6f, false, 1, "t"), MoeBadInputTest::vocab, f);
        // the dense file's keys and tensors, declared qwen3moe: it has no expert keys at all
        String m = error(rewriteArchitecture(f));
        assertTrue(m.contains("qwen3moe.expert_count"), m);
    }

    private Path rewriteArchitecture(Path f) throws IOException {
        GgufWriter w = new GgufWriter();
        try (var src = dev.bgl.format.GgufFile.open(f)) {
            w.put("general.architecture", "qwen3moe");
            for (var e : src.meta().values().entrySet())
                if (!e.getKey().equals("general.architecture")) w.put(e.getKey().replace("qwen3.", "qwen3moe."), e.getValue());
            for (var t : src.tensors().values()) w.tensor(t.name(), t.type(), t.dims(), src.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            Path out = dir.resolve("as-moe.gguf");
            w.write(out);
            return out;
        }
    }
}
