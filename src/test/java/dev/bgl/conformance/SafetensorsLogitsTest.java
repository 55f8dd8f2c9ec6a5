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
