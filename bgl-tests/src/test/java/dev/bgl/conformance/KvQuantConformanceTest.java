package dev.bgl.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.cli.LlamaCppReference;
import dev.bgl.model.Architecture;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.KvCacheType;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.RopeScaling;
import dev.bgl.model.Transformer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Q8_0 or Q4_0 KV cache against llama.cpp run with the same {@code --cache-type-k/-v} (which needs its flash
 * attention), after a prompt past 1,000 tokens, on the peaked-attention 2-layer models of
 * {@link RopeScalingConformanceTest}: next-token probabilities within 1e-5, and closer to llama.cpp's
 * Q8_0 run than bgl's own F16 cache is (so the test sees the quantisation itself, not only noise).
 */
class KvQuantConformanceTest {
    static final int PROMPT = 1100, TOP = 64;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama,q8_0", "qwen2,q8_0", "qwen3,q8_0", "qwen3,q4_0", "llama,q4_0"})
    void quantisedCacheMatchesLlamaCpp(String archName, String kvName, @TempDir Path dir) throws Exception {
        KvCacheType kv = KvCacheType.parse(kvName);
        Architecture arch = Architecture.byName(archName);
        Path file = dir.resolve(archName + "-kvq8.gguf");
        RandomModelMaker.write(RopeScalingConformanceTest.spec(arch, RopeScaling.NONE), TestVocab::write, file);
        int[] tokens = RopeScalingConformanceTest.prompt(PROMPT);
        JsonNode ref = LlamaCppReference.locate().call(Map.of("op", "probs", "model", file.toString(), "tokens", tokens,
                "topK", TOP, "lastOnly", true, "kvType", kvName), 600);
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            double q8 = RopeScalingConformanceTest.maxProbDiff(lastLogits(model, tokens, kv), ref.get("probs").get(0));
            double f16 = RopeScalingConformanceTest.maxProbDiff(lastLogits(model, tokens, KvCacheType.F16), ref.get("probs").get(0));
            System.err.printf("%s: max |p - p_llama.cpp %s| after %d tokens: bgl %s %.2e, bgl f16 %.2e%n", archName, kvName, PROMPT, kvName, q8, f16);
            // measured: 5e-8..3e-7 (the same blocks and rounding; only float sums differ), where bgl's F16
            // cache is 5e-5..2e-3 away; the issue asks for 1e-2. With 4 float lanes (NEON, SSE; tried with
            // -XX:MaxVectorSize=16) bgl sums in another order than llama.cpp's 8-lane AVX2 build, and a
            // quantised cache now and then turns a last-bit difference in a key into a whole Q8_0 step:
            // qwen2 read 5.1e-5 there
            double bound = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() >= 8 ? 1e-5 : 1e-3;
            assertTrue(q8 <= bound, archName + ": max |p - p_llama.cpp| = " + q8 + " with " + kvName + " caches");
            assertTrue(q8 < f16, archName + ": bgl's " + kvName + " cache (" + q8 + ") should be closer to llama.cpp's than bgl's f16 (" + f16 + ")");
        }
    }

    private static float[] lastLogits(Transformer model, int[] tokens, KvCacheType kv) {
        var state = model.newState(tokens.length + 1, kv);
        float[] last = new float[model.config().vocabSize()];
        model.forward(state, tokens, 0, tokens.length, last, false, null);
        return last;
    }
}
