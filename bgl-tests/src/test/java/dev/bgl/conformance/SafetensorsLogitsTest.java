package dev.bgl.conformance;

import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.HfExport;
import dev.bgl.model.HfModelSource;
import dev.bgl.model.ModelSource;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.Transformer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same random model written as GGUF and as a Hugging Face safetensors folder gives the same
 * logits. For llama this crosses the Q/K row permutation (HF rotate_half order vs GGUF's).
 */
class SafetensorsLogitsTest {
    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3"})
    void ggufAndSafetensorsGiveTheSameLogits(String archName, @TempDir Path dir) throws Exception {
        Architecture arch = Architecture.byName(archName);
        Path gguf = dir.resolve("m.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(arch, GgmlType.F32, 2, 96, 3, 1, 32, 160, TestVocab.SIZE, 256,
                500000f, 1e-6f, arch == Architecture.QWEN2, 3, "t"), TestVocab::write, gguf);
        HfExport.write(gguf, dir.resolve("hf"), null);
        int[] tokens = new SplittableRandom(5).ints(24, 0, TestVocab.SIZE).toArray();
        float[] a = logits(GgufModelSource.open(gguf), tokens);
        float[] b = logits(HfModelSource.open(dir.resolve("hf")), tokens);
        float spread = 0;
        for (float v : a) spread = Math.max(spread, Math.abs(v));
        assertTrue(spread > 1f, "logits should not be trivially small");
        // llama Q/K come from a permuted heap copy instead of the mapped file: same values, so at
        // most float rounding from a different memory layout may differ
        assertArrayEquals(a, b, 1e-4f, "same logits from GGUF and safetensors");
    }

    /**
     * qwen3moe: the GGUF file's 3-D expert tensors become one HF tensor per expert
     * ({@code mlp.experts.E.gate_proj.weight}, ...) and the router {@code mlp.gate.weight}, in a
     * {@code Qwen3MoeForCausalLM} folder whose config.json names the counts; read back, it routes
     * and computes the same.
     */
    @org.junit.jupiter.api.Test
    void qwen3MoeFolderGivesTheSameLogitsAsItsGguf(@TempDir Path dir) throws Exception {
        Path gguf = dir.resolve("moe.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3MOE, GgmlType.F32, 2, 96, 3, 1, 32, 160, TestVocab.SIZE, 256,
                1000000f, 1e-6f, false, 5, "t").withExperts(new dev.bgl.model.ExpertConfig(8, 2, 64, true)), TestVocab::write, gguf);
        HfExport.write(gguf, dir.resolve("hf"), null);
        var config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("hf/config.json").toFile());
        org.junit.jupiter.api.Assertions.assertEquals("Qwen3MoeForCausalLM", config.get("architectures").get(0).asText());
        org.junit.jupiter.api.Assertions.assertEquals(8, config.get("num_experts").asInt());
        org.junit.jupiter.api.Assertions.assertEquals(2, config.get("num_experts_per_tok").asInt());
        org.junit.jupiter.api.Assertions.assertEquals(64, config.get("moe_intermediate_size").asInt());
        try (var hf = HfModelSource.open(dir.resolve("hf"))) {
            org.junit.jupiter.api.Assertions.assertTrue(hf.checkpoint().has("model.layers.1.mlp.experts.7.down_proj.weight"));
            org.junit.jupiter.api.Assertions.assertTrue(hf.checkpoint().has("model.layers.0.mlp.gate.weight"));
            org.junit.jupiter.api.Assertions.assertEquals(new dev.bgl.model.ExpertConfig(8, 2, 64, true), hf.config().experts());
        }
        int[] tokens = new SplittableRandom(9).ints(24, 0, TestVocab.SIZE).toArray();
        float[] a = logits(GgufModelSource.open(gguf), tokens);
        float[] b = logits(HfModelSource.open(dir.resolve("hf")), tokens);
        float spread = 0;
        for (float v : a) spread = Math.max(spread, Math.abs(v));
        assertTrue(spread > 1f, "logits should not be trivially small");
        assertArrayEquals(a, b, 1e-4f, "same logits from GGUF and safetensors");
    }

    static float[] logits(ModelSource src, int[] tokens) {
        try (src) {
            Transformer t = new Transformer(src);
            var state = t.newState(tokens.length, true);
            float[] out = new float[tokens.length * t.config().vocabSize()];
            t.forward(state, tokens, 0, tokens.length, out, true, null);
            return out;
        }
    }
}
