package dev.bgl.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.cli.LlamaCppReference;
import dev.bgl.decode.Sampler;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.RopeScaling;
import dev.bgl.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RoPE scaling against llama.cpp past 1,000 positions, where a model read without its scaling goes
 * wrong: Llama 3.1's {@code rope_freqs.weight}, YaRN and linear scaling, on small 2-layer random
 * models with F32 weights and the default F16 KV cache. The original contexts are short (256) so
 * that the prompt runs well past them, as a 32k-context model's does at 100k. The models' attention
 * is made peaked (qk gain 3): with the near-uniform attention of other tests' models the output
 * hardly depends on positions, and a missing scaling would pass unnoticed.
 */
class RopeScalingConformanceTest {
    static final int PROMPT = 1100, LONG_PROMPT = 8200, GREEDY = 16, TOP = 64;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("llama", "rope_freqs", RopeScaling.NONE.withFreqFactors(
                        RopeScaling.llama3FreqFactors(32, 500000, 8, 1, 4, 256)), PROMPT),
                Arguments.of("qwen3", "yarn", RopeScaling.yarn(4, 256), PROMPT),
                Arguments.of("qwen2", "yarn", RopeScaling.yarn(4, 256), PROMPT),
                Arguments.of("qwen2", "linear", RopeScaling.linear(4), PROMPT),
                Arguments.of("qwen3", "linear", RopeScaling.linear(2), PROMPT),
                // one long case: YaRN's whole ramp in use, 8k positions from an original context of 2k
                Arguments.of("qwen3", "yarn", RopeScaling.yarn(4, 2048), LONG_PROMPT));
    }

    static RandomModelMaker.Spec spec(Architecture arch, RopeScaling rope) {
        // llama.cpp's qwen2 wants heads x head size = dim; llama and qwen3 read the head size from the file
        int dim = arch == Architecture.QWEN3 ? 256 : 288, heads = arch == Architecture.QWEN2 ? 9 : 3, kvHeads = heads / 3;
        return new RandomModelMaker.Spec(arch, GgmlType.F32, 2, dim, heads, kvHeads, 32, 512, TestVocab.SIZE, 8192,
                arch == Architecture.LLAMA ? 500000f : 1000000f, 1e-6f, false, 5, "rope-scaling").withRope(rope).withQkGain(3);
    }

    static int[] prompt(int n) {
        return new SplittableRandom(17).ints(n, 0, TestVocab.SIZE).toArray();
    }

    @ParameterizedTest(name = "{0} {1} {3} tokens")
    @MethodSource("cases")
    void greedyAfterALongPromptMatchesLlamaCpp(String archName, String label, RopeScaling rope, int promptTokens, @TempDir Path dir) throws Exception {
        Path file = dir.resolve(archName + "-" + label + ".gguf");
        RandomModelMaker.write(spec(Architecture.byName(archName), rope), TestVocab::write, file);
        int[] tokens = prompt(promptTokens);
        JsonNode ref = LlamaCppReference.locate().call(Map.of("op", "probs", "model", file.toString(), "tokens", tokens,
                "topK", TOP, "greedy", GREEDY, "lastOnly", true), 600);

        try (var src = GgufModelSource.open(file)) {
            assertEquals(rope, src.config().ropeScaling(), "the scaling read back from the file");
            Run ours = run(src, tokens);
            double maxDiff = maxProbDiff(ours.lastLogits, ref.get("probs").get(0));
            System.err.printf("%s %s: max |p - p_llama.cpp| at position %d = %.2e%n", archName, label, promptTokens - 1, maxDiff);
            // measured: 1e-7..5e-6; the same models read without their scaling are 3e-3..3e-2 off
            assertTrue(maxDiff <= 1e-4, archName + " " + label + ": max |p - p_llama.cpp| = " + maxDiff);
            int[] theirs = new int[GREEDY];
            for (int i = 0; i < GREEDY; i++) theirs[i] = ref.get("greedy").get(i).asInt();
            assertEquals(Arrays.toString(theirs), Arrays.toString(ours.greedy), "greedy continuation after " + promptTokens + " tokens");
        }
    }

    /** The symptom: a file with rope_freqs gave exactly the tokens of the same file without it. */
    @Test
    void ropeFreqsChangeTheTokens(@TempDir Path dir) throws Exception {
        Path with = dir.resolve("with.gguf"), without = dir.resolve("without.gguf");
        RopeScaling freqs = (RopeScaling) cases().findFirst().orElseThrow().get()[2];
        RandomModelMaker.write(spec(Architecture.LLAMA, freqs), TestVocab::write, with);
        RandomModelMaker.write(spec(Architecture.LLAMA, RopeScaling.NONE), TestVocab::write, without);
        int[] tokens = prompt(PROMPT);
        Run a, b;
        try (var src = GgufModelSource.open(with)) {
            a = run(src, tokens);
        }
        try (var src = GgufModelSource.open(without)) {
            b = run(src, tokens);
        }
        assertNotEquals(Arrays.toString(b.greedy), Arrays.toString(a.greedy));
    }

    record Run(float[] lastLogits, int[] greedy) {
    }

    static Run run(GgufModelSource src, int[] tokens) {
        Transformer model = new Transformer(src);
        var state = model.newState(tokens.length + GREEDY + 1, true);
        int vocab = src.config().vocabSize();
        float[] last = new float[vocab];
        model.forward(state, tokens, 0, tokens.length, last, false, null);
        float[] lastLogits = last.clone();
        int[] greedy = new int[GREEDY];
        for (int i = 0; i < GREEDY; i++) {
            greedy[i] = Sampler.argmax(last, vocab);
            model.forward(state, greedy, i, 1, last, false, null);
        }
        return new Run(lastLogits, greedy);
    }

    /** Max |p − p_ref| over llama.cpp's top tokens, and over ours above its floor that it left out. */
    static double maxProbDiff(float[] logits, JsonNode refTop) {
        double[] p = LogitsConformanceTest.softmax(logits, 0, logits.length);
        double floor = refTop.get(refTop.size() - 1).get(1).asDouble(), max = 0;
        boolean[] seen = new boolean[p.length];
        for (JsonNode e : refTop) {
            int id = e.get(0).asInt();
            seen[id] = true;
            max = Math.max(max, Math.abs(p[id] - e.get(1).asDouble()));
        }
        for (int id = 0; id < p.length; id++) if (!seen[id] && p[id] > floor) max = Math.max(max, p[id] - floor);
        return max;
    }
}
