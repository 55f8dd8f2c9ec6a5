package dev.bgl.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.cli.LlamaCppReference;
import dev.bgl.decode.Sampler;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.ExpertConfig;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.RopeScaling;
import dev.bgl.model.SlidingWindow;
import dev.bgl.model.Transformer;
import org.junit.jupiter.api.Test;
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
 * gpt-oss against llama.cpp (node-llama-cpp 3.21.1) on random files from {@link RandomModelMaker}:
 * 2 layers (layer 0 sliding-window, layer 1 full, as llama.cpp's default pattern), attention with
 * biases and sinks, YaRN (factor 4 from an original context of 32, so a 48-token prompt and its
 * 32-token continuation run past it), 8 experts of which 4 are used, with biases and swiglu_oai.
 * The window is 16 keys, so most of the prompt's positions are windowed. F32 weights: greedy
 * continuations equal and probabilities within 2e-3; MXFP4 experts (the rest F32, as gpt-oss
 * ships): probabilities within 1e-2. A 300-token prompt (19 windows, five KV pages) checks the last position
 * and 16 greedy tokens. Attention is peaked (qk gain 3) so that positions, and with
 * them the window and YaRN, change the output; {@link #windowAndYarnMatter} checks that they do.
 */
class GptOssConformanceTest {
    static final int SEQ = 48, GREEDY = 32, TOP = 64, WINDOW = 16;

    static RandomModelMaker.Spec spec(GgmlType expertType, int window, RopeScaling rope) {
        return new RandomModelMaker.Spec(Architecture.GPT_OSS, GgmlType.F32, 2, 128, 4, 2, 32, 256, TestVocab.SIZE, 256,
                150000f, 1e-5f, false, 29, "gpt-oss-conformance")
                .withExperts(new ExpertConfig(8, 4, 64, false)).withSlidingWindow(window).withRope(rope)
                .withQkGain(3).withExpertType(expertType);
    }

    static int[] prompt() {
        return new SplittableRandom(31).ints(SEQ, 0, TestVocab.SIZE).toArray();
    }

    @ParameterizedTest(name = "experts {0}")
    @CsvSource({"F32", "MXFP4"})
    void probabilitiesMatchLlamaCpp(String expertTypeName, @TempDir Path dir) throws Exception {
        GgmlType et = GgmlType.byName(expertTypeName);
        Path file = dir.resolve("gpt-oss-" + et + ".gguf");
        RandomModelMaker.write(spec(et, WINDOW, RopeScaling.yarn(4, 32)), TestVocab::write, file);

        boolean f32 = et == GgmlType.F32;
        int[] tokens = prompt();
        JsonNode ref = LlamaCppReference.locate().call(Map.of("op", "probs", "model", file.toString(),
                "tokens", tokens, "topK", TOP, "greedy", f32 ? GREEDY : 0), 300);

        int vocab = TestVocab.SIZE;
        try (var src = GgufModelSource.open(file)) {
            assertEquals(new SlidingWindow(WINDOW, 2), src.config().slidingWindow(), "the window read back");
            assertEquals(RopeScaling.yarn(4, 32), src.config().ropeScaling(), "the YaRN scaling read back");
            Transformer model = new Transformer(src);
            var state = model.newState(SEQ + GREEDY + 1, true);
            float[] logits = new float[SEQ * vocab];
            model.forward(state, tokens, 0, SEQ, logits, true, null);

            TopKComparison c = TopKComparison.of(logits, ref, SEQ, vocab);
            double maxDiff = c.maxDiff(), meanTop = c.meanTop();
            double tolerance = f32 ? 2e-3 : 1e-2;
            System.err.printf("gpt-oss experts %s maxDiff=%.2e meanTop=%.3f%n", et, maxDiff, meanTop);
            assertTrue(meanTop > 0.1 && meanTop < 0.8,
                    "the test model's distributions are too flat or too certain to test anything: mean top p " + meanTop);
            assertTrue(maxDiff <= tolerance, "gpt-oss experts " + et + ": max |p - p_llama.cpp| = " + maxDiff + " > " + tolerance);

            if (f32) {
                int[] ours = new int[GREEDY];
                float[] last = Arrays.copyOfRange(logits, (SEQ - 1) * vocab, SEQ * vocab);
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

    /**
     * The comparison above can see the window and YaRN: the same weights without the window (one
     * wider than the prompt) or without YaRN move bgl's own probabilities far past its tolerance.
     */
    @Test
    void windowAndYarnMatter(@TempDir Path dir) throws Exception {
        float[] base = lastLogits(dir, "base", spec(GgmlType.F32, WINDOW, RopeScaling.yarn(4, 32)));
        float[] wide = lastLogits(dir, "wide", spec(GgmlType.F32, 4096, RopeScaling.yarn(4, 32)));
        float[] plain = lastLogits(dir, "plain", spec(GgmlType.F32, WINDOW, RopeScaling.NONE));
        double window = maxProbDiff(base, wide), yarn = maxProbDiff(base, plain);
        System.err.printf("gpt-oss: without the window %.2e, without YaRN %.2e%n", window, yarn);
        assertTrue(window > 2e-2, "the window changes the last position's probabilities by only " + window);
        assertTrue(yarn > 2e-2, "YaRN changes the last position's probabilities by only " + yarn);
    }

    /**
     * A prompt of 300 tokens, 19 windows long and across five KV pages, so that prefill chunks and decode
     * steps skip whole pages before their window: the last position's probabilities and 16 greedy tokens.
     */
    @Test
    void aPromptManyWindowsLongMatchesLlamaCpp(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gpt-oss-long.gguf");
        RandomModelMaker.write(spec(GgmlType.F32, WINDOW, RopeScaling.yarn(4, 32)), TestVocab::write, file);
        int[] tokens = new SplittableRandom(37).ints(300, 0, TestVocab.SIZE).toArray();
        int greedy = 16, vocab = TestVocab.SIZE;
        JsonNode ref = LlamaCppReference.locate().call(Map.of("op", "probs", "model", file.toString(), "tokens", tokens,
                "topK", TOP, "greedy", greedy, "lastOnly", true), 300);
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            var state = model.newState(tokens.length + greedy + 1, true);
            float[] last = new float[vocab];
            model.forward(state, tokens, 0, tokens.length, last, false, null);
            TopKComparison c = TopKComparison.of(last, ref, 1, vocab);
            System.err.printf("gpt-oss 300 tokens maxDiff=%.2e%n", c.maxDiff());
            assertTrue(c.maxDiff() <= 2e-3, "max |p - p_llama.cpp| at position 299 = " + c.maxDiff());
            int[] ours = new int[greedy], theirs = new int[greedy];
            for (int i = 0; i < greedy; i++) {
                ours[i] = Sampler.argmax(last, vocab);
                model.forward(state, ours, i, 1, last, false, null);
                theirs[i] = ref.get("greedy").get(i).asInt();
            }
            assertEquals(Arrays.toString(theirs), Arrays.toString(ours), "greedy continuation after 300 tokens");
        }
    }

    private static float[] lastLogits(Path dir, String name, RandomModelMaker.Spec spec) throws Exception {
        Path file = dir.resolve(name + ".gguf");
        RandomModelMaker.write(spec, TestVocab::write, file);
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            var state = model.newState(SEQ, true);
            float[] logits = new float[TestVocab.SIZE];
            model.forward(state, prompt(), 0, SEQ, logits, false, null);
            return logits;
        }
    }

    private static double maxProbDiff(float[] a, float[] b) {
        double[] p = LogitsConformanceTest.softmax(a, 0, a.length), q = LogitsConformanceTest.softmax(b, 0, b.length);
        double m = 0;
        for (int i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i] - q[i]));
        return m;
    }
}
