package dev.bgl.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.cli.LlamaCppReference;
import dev.bgl.decode.Sampler;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.ExpertConfig;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.Transformer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * qwen3moe against llama.cpp (node-llama-cpp 3.21.1) on random files from {@link RandomModelMaker}:
 * 8 experts with 2 used, and 64 with 8 used, as F32 (greedy 32-token continuations equal,
 * probabilities within 2e-3) and Q8_0 (probabilities within 1e-2). The prompt is prefilled in one
 * batch, so tokens are grouped by expert; the greedy continuation is decoded a token at a time, so
 * both paths are compared. Routing is checked to matter: the model's probabilities change when
 * the router is taken away (see {@code ExpertMixtureTest}). One case runs a 1,100-token prompt, so
 * that positions past 1,000 (RoPE at long range, attention over many pages) are compared too.
 */
class MoeConformanceTest {
    static final int GREEDY = 32, TOP = 64;

    @ParameterizedTest(name = "{0} experts, {1} used, {2}, {3}-token prompt")
    @CsvSource({"8, 2, F32, 48", "8, 2, Q8_0, 48", "64, 8, F32, 48", "64, 8, Q8_0, 48", "8, 2, F32, 1100"})
    void probabilitiesMatchLlamaCpp(int experts, int used, String typeName, int seq, @TempDir Path dir) throws Exception {
        GgmlType type = GgmlType.byName(typeName);
        int context = seq + GREEDY + 1 <= 256 ? 256 : 2048;
        var spec = new RandomModelMaker.Spec(Architecture.QWEN3MOE, type, 2, 128, 4, 2, 32, 256, TestVocab.SIZE, context,
                1000000f, 1e-6f, false, 23, "moe-conformance").withExperts(new ExpertConfig(experts, used, 64, true));
        Path file = dir.resolve("moe-" + experts + "-" + type + "-" + seq + ".gguf");
        RandomModelMaker.write(spec, TestVocab::write, file);

        boolean f32 = type == GgmlType.F32;
        int[] tokens = new SplittableRandom(13).ints(seq, 0, TestVocab.SIZE).toArray();
        JsonNode ref = LlamaCppReference.locate().call(Map.of("op", "probs", "model", file.toString(),
                "tokens", tokens, "topK", TOP, "greedy", f32 ? GREEDY : 0), 300);

        int vocab = TestVocab.SIZE;
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            var state = model.newState(seq + GREEDY + 1, true);
            float[] logits = new float[seq * vocab];
            model.forward(state, tokens, 0, seq, logits, true, null);

            TopKComparison c = TopKComparison.of(logits, ref, seq, vocab);
            double maxDiff = c.maxDiff(), meanTop = c.meanTop();
            double tolerance = f32 ? 2e-3 : 1e-2;
            System.err.printf("qwen3moe %d/%d %s %d tokens maxDiff=%.2e meanTop=%.3f%n", used, experts, type, seq, maxDiff, meanTop);
            assertTrue(meanTop > 0.1 && meanTop < 0.8,
                    "the test model's distributions are too flat or too certain to test anything: mean top p " + meanTop);
            assertTrue(maxDiff <= tolerance, "qwen3moe " + type + ": max |p - p_llama.cpp| = " + maxDiff + " > " + tolerance);

            if (f32) {
                int[] ours = new int[GREEDY];
                float[] last = Arrays.copyOfRange(logits, (seq - 1) * vocab, seq * vocab);
                for (int i = 0; i < GREEDY; i++) {
                    ours[i] = Sampler.argmax(last, vocab);
                    model.forward(state, ours, i, 1, last, false, null);
                }
                int[] theirs = new int[GREEDY];
                for (int i = 0; i < GREEDY; i++) theirs[i] = ref.get("greedy").get(i).asInt();
                assertEquals(Arrays.toString(theirs), Arrays.toString(ours), "greedy continuation");
            }
        }
    }
}
