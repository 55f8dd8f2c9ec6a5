package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgmlType;
import dev.bgl.format.SafetensorsDtype;
import dev.bgl.format.SafetensorsWriter;
import dev.bgl.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A hand-made HF folder read through HfModelSource: defaults, the llama Q/K order, and clear errors. */
class HfModelSourceTest {
    @TempDir
    Path dir;

    // A tiny llama: hidden 8, 2 heads of 4, 1 kv head, ffn 4, vocab 3, one layer.
    private static final String LLAMA_CONFIG = """
            {"model_type": "llama", "vocab_size": 3, "hidden_size": 8, "num_hidden_layers": 1,
             "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 4,
             "max_position_embeddings": 128, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
             "tie_word_embeddings": false, "head_dim": null}
            """;

    /** Each matrix element = 100*row + col, so a row's identity can be read off its first element. */
    private static float[] numbered(int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) v[r * cols + c] = 100 * r + c;
        return v;
    }

    private static SafetensorsWriter tinyLlama() {
        SafetensorsWriter w = new SafetensorsWriter();
        w.tensorF32("model.embed_tokens.weight", new long[]{3, 8}, numbered(3, 8));
        w.tensorF32("model.layers.0.input_layernorm.weight", new long[]{8}, numbered(1, 8));
        w.tensorF32("model.layers.0.self_attn.q_proj.weight", new long[]{8, 8}, numbered(8, 8));
        w.tensorF32("model.layers.0.self_attn.k_proj.weight", new long[]{4, 8}, numbered(4, 8));
        w.tensorF32("model.layers.0.self_attn.v_proj.weight", new long[]{4, 8}, numbered(4, 8));
        w.tensorF32("model.layers.0.self_attn.o_proj.weight", new long[]{8, 8}, numbered(8, 8));
        w.tensorF32("model.layers.0.post_attention_layernorm.weight", new long[]{8}, numbered(1, 8));
        w.tensorF32("model.layers.0.mlp.gate_proj.weight", new long[]{4, 8}, numbered(4, 8));
        w.tensorF32("model.layers.0.mlp.up_proj.weight", new long[]{4, 8}, numbered(4, 8));
        w.tensorF32("model.layers.0.mlp.down_proj.weight", new long[]{8, 4}, numbered(8, 4));
        w.tensorF32("model.layers.0.self_attn.rotary_emb.inv_freq", new long[]{2}, new float[]{1, 2});
        w.tensorF32("model.norm.weight", new long[]{8}, numbered(1, 8));
        w.tensorF32("lm_head.weight", new long[]{3, 8}, numbered(3, 8));
        return w;
    }

    private Path folder(String config, SafetensorsWriter w) throws IOException {
        Path f = Files.createTempDirectory(dir, "m");
        Files.writeString(f.resolve("config.json"), config);
        w.write(f.resolve("model.safetensors"));
        return f;
    }

    private static String refused(Path folder, String... parts) {
        FormatException e = assertThrows(FormatException.class, () -> HfModelSource.open(folder).close());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsConfigAndMapsNames() throws IOException {
        try (HfModelSource m = HfModelSource.open(folder(LLAMA_CONFIG, tinyLlama()))) {
            ModelConfig c = m.config();
            assertEquals(new ModelConfig(Architecture.LLAMA, 3, 8, 1, 2, 1, 4, 4, 4, 128, 1e-5f, 500000f, false), c);
            assertEquals(12, m.tensorNames().size()); // inv_freq is not a weight bgl uses
            assertTrue(m.tensorNames().contains("blk.0.ffn_down.weight"));
            Tensor down = m.tensor("blk.0.ffn_down.weight");
            assertEquals(GgmlType.F32, down.type());
            assertEquals(8, down.rows()); // HF [out, in] = rows x cols
            assertEquals(4, down.cols());
            assertEquals(301f, down.toFloats()[3 * 4 + 1]);
            assertTrue(m.find("output.weight").isPresent());
            assertTrue(m.find("blk.0.attn_q.bias").isEmpty());
            assertThrows(FormatException.class, () -> m.tensor("blk.7.attn_q.weight"));
            assertEquals(4L * (3 * 8 * 2 + 8 * 3 + 64 * 2 + 32 * 4 + 32), m.weightBytes());
        }
    }

    @Test
    void llamaQueryAndKeyRowsComeInGgufOrder() throws IOException {
        try (HfModelSource m = HfModelSource.open(folder(LLAMA_CONFIG, tinyLlama()))) {
            float[] q = m.tensor("blk.0.attn_q.weight").toFloats();
            int[] expectQ = {0, 2, 1, 3, 4, 6, 5, 7}; // 2 heads of 4: each head's halves interleaved
            for (int r = 0; r < 8; r++) {
                assertEquals(100f * expectQ[r], q[r * 8], "q row " + r);
                assertEquals(100f * expectQ[r] + 7, q[r * 8 + 7], "q row " + r);
            }
            float[] k = m.tensor("blk.0.attn_k.weight").toFloats();
            int[] expectK = {0, 2, 1, 3}; // one kv head of 4
            for (int r = 0; r < 4; r++) assertEquals(100f * expectK[r], k[r * 8], "k row " + r);
            float[] v = m.tensor("blk.0.attn_v.weight").toFloats();
            for (int r = 0; r < 4; r++) assertEquals(100f * r, v[r * 8], "v row " + r);
            assertSame(m.tensor("blk.0.attn_q.weight"), m.tensor("blk.0.attn_q.weight"), "permuted once, then cached");
        }
    }

    @Test
    void qwenIsNotPermutedAndDefaultsApply() throws IOException {
        String cfg = """
                {"model_type": "qwen2", "vocab_size": 3, "hidden_size": 8, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 4}
                """;
        SafetensorsWriter w = tinyLlama();
        try (HfModelSource m = HfModelSource.open(folder(cfg, w))) {
            // kv heads = heads, head_dim = hidden/heads, context 4096, eps 1e-6, theta 10000; lm_head present -> untied
            assertEquals(new ModelConfig(Architecture.QWEN2, 3, 8, 1, 2, 2, 4, 4, 4, 4096, 1e-6f, 10000f, false), m.config());
            float[] q = m.tensor("blk.0.attn_q.weight").toFloats();
            for (int r = 0; r < 8; r++) assertEquals(100f * r, q[r * 8]);
        }
    }

    @Test
    void tiedWhenConfigSaysSoOrLmHeadIsAbsent() throws IOException {
        String tiedCfg = LLAMA_CONFIG.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true");
        try (HfModelSource m = HfModelSource.open(folder(tiedCfg, tinyLlama()))) {
            assertTrue(m.config().tiedEmbeddings());
            assertTrue(m.find("output.weight").isEmpty());
            assertFalse(m.tensorNames().contains("output.weight"));
        }
        String noField = LLAMA_CONFIG.replace("\"tie_word_embeddings\": false,", "");
        try (HfModelSource m = HfModelSource.open(folder(noField, tinyLlamaWithout("lm_head.weight")))) {
            assertTrue(m.config().tiedEmbeddings());
        }
        refused(folder(LLAMA_CONFIG, tinyLlamaWithout("lm_head.weight")), "'tie_word_embeddings' is false", "no 'lm_head.weight'");
    }

    /** tinyLlama without lm_head, or without one more tensor (a writer cannot drop tensors, so it is rebuilt). */
    private static SafetensorsWriter tinyLlamaWithout(String skip) {
        SafetensorsWriter w = new SafetensorsWriter();
        String[][] t = {{"model.embed_tokens.weight", "3", "8"}, {"model.layers.0.input_layernorm.weight", "0", "8"},
                {"model.layers.0.self_attn.q_proj.weight", "8", "8"}, {"model.layers.0.self_attn.k_proj.weight", "4", "8"},
                {"model.layers.0.self_attn.v_proj.weight", "4", "8"}, {"model.layers.0.self_attn.o_proj.weight", "8", "8"},
                {"model.layers.0.post_attention_layernorm.weight", "0", "8"}, {"model.layers.0.mlp.gate_proj.weight", "4", "8"},
                {"model.layers.0.mlp.up_proj.weight", "4", "8"}, {"model.layers.0.mlp.down_proj.weight", "8", "4"},
                {"model.norm.weight", "0", "8"}, {"lm_head.weight", "3", "8"}};
        for (String[] e : t) {
            if (e[0].equals(skip)) continue;
            int rows = Integer.parseInt(e[1]), cols = Integer.parseInt(e[2]);
            if (rows == 0) w.tensorF32(e[0], new long[]{cols}, numbered(1, cols));
            else w.tensorF32(e[0], new long[]{rows, cols}, numbered(rows, cols));
        }
        return w;
    }

    @Test
    void configErrorsNameTheField() throws IOException {
        refused(folder(LLAMA_CONFIG.replace("\"llama\"", "\"mistral\""), tinyLlama()), "config.json", "'model_type' is 'mistral'", "llama, qwen2, qwen3, qwen3_moe");
        refused(folder(LLAMA_CONFIG.replace("\"hidden_size\": 8,", ""), tinyLlama()), "missing 'hidden_size'");
        refused(folder(LLAMA_CONFIG.replace("\"num_hidden_layers\": 1", "\"num_hidden_layers\": \"1\""), tinyLlama()), "'num_hidden_layers' should be an integer");
        refused(folder(LLAMA_CONFIG.replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 0"), tinyLlama()), "'num_attention_heads' = 0 is out of range");
        refused(folder(LLAMA_CONFIG.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": -1"), tinyLlama()), "'rms_norm_eps' = -1");
        refused(folder(LLAMA_CONFIG.replace("\"vocab_size\": 3", "\"vocab_size\": 4"), tinyLlama()), "'vocab_size' 4 differs from the 3 rows");
        refused(folder(LLAMA_CONFIG.replace("\"num_key_value_heads\": 1", "\"num_key_value_heads\": 3"), tinyLlama()), "'num_key_value_heads' = 3 is out of range");
        refused(folder("{\"model_type\": \"llama\",", tinyLlama()), "config.json", "not valid JSON");
        Path noConfig = Files.createTempDirectory(dir, "nc");
        tinyLlama().write(noConfig.resolve("model.safetensors"));
        refused(noConfig, "'config.json'", "no such file");
        refused(folder(LLAMA_CONFIG, tinyLlamaWithout("model.embed_tokens.weight")), "missing tensor 'model.embed_tokens.weight'");
    }

    @Test
    void expertCountErrorsNameTheField() throws IOException {
        String moe = LLAMA_CONFIG.replace("\"llama\"", "\"qwen3_moe\"")
                .replace("\"head_dim\": null", "\"num_experts\": 8, \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 4");
        refused(folder(moe.replace("\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 9"), tinyLlama()),
                "config.json", "'num_experts_per_tok' 9 exceeds 'num_experts' 8");
        refused(folder(moe.replace("\"num_experts\": 8, ", ""), tinyLlama()), "missing 'num_experts'");
        refused(folder(moe.replace("\"num_experts\": 8", "\"num_experts\": 0"), tinyLlama()), "'num_experts' = 0 is out of range");
        refused(folder(moe.replace("\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 2, \"mlp_only_layers\": [0]"), tinyLlama()),
                "'mlp_only_layers' [0]", "not supported");
    }

    @Test
    void tensorErrorsNameTheTensor() throws IOException {
        SafetensorsWriter w = tinyLlamaWithout("model.layers.0.mlp.up_proj.weight");
        w.tensor("model.layers.0.mlp.up_proj.weight", SafetensorsDtype.I32, new long[]{4, 8}, new byte[128]);
        try (HfModelSource m = HfModelSource.open(folder(LLAMA_CONFIG, w))) {
            FormatException e = assertThrows(FormatException.class, () -> m.tensor("blk.0.ffn_up.weight"));
            assertTrue(e.getMessage().contains("'model.layers.0.mlp.up_proj.weight' has dtype I32"), e.getMessage());
        }
        SafetensorsWriter bad = tinyLlamaWithout("model.layers.0.self_attn.k_proj.weight");
        bad.tensorF32("model.layers.0.self_attn.k_proj.weight", new long[]{8, 4}, numbered(8, 4));
        try (HfModelSource m = HfModelSource.open(folder(LLAMA_CONFIG, bad))) {
            FormatException e = assertThrows(FormatException.class, () -> m.tensor("blk.0.attn_k.weight"));
            assertTrue(e.getMessage().contains("'model.layers.0.self_attn.k_proj.weight' has shape [8, 4], expected 4 (1 heads × 4) rows first"), e.getMessage());
        }
    }
}
