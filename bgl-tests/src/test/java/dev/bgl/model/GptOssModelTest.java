package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gpt-oss's pieces that the conformance test against llama.cpp does not isolate: swiglu_oai's
 * clamps, the sliding-window layer pattern of llama.cpp's set_swa_pattern, and batched decode
 * ({@link Transformer#forwardBatch}, which the scheduler uses) giving each sequence the logits
 * it gets decoded alone, with the sequences on either side of the window.
 */
class GptOssModelTest {
    @Test
    void swigluOaiClampsAsGgml() {
        for (float g : new float[]{-9f, -1.5f, 0f, 0.7f, 3f, 6.9f})
            for (float u : new float[]{-3f, 0f, 2.5f}) {
                double expect = g / (1 + Math.exp(-1.702 * g)) * (u + 1);
                assertEquals(expect, ExpertMixture.swigluOai(g, u), 1e-5 * Math.max(1, Math.abs(expect)), g + ", " + u);
            }
        // the gate is clamped above at 7 only; the up value at ±7
        assertEquals(ExpertMixture.swigluOai(7f, 1f), ExpertMixture.swigluOai(30f, 1f));
        assertEquals(ExpertMixture.swigluOai(2f, 7f), ExpertMixture.swigluOai(2f, 50f));
        assertEquals(ExpertMixture.swigluOai(2f, -7f), ExpertMixture.swigluOai(2f, -50f));
        assertTrue(ExpertMixture.swigluOai(-30f, 1f) != ExpertMixture.swigluOai(-7f, 1f), "no clamp below for the gate");
    }

    @Test
    void windowedLayersFollowLlamaCppsPattern() {
        SlidingWindow two = new SlidingWindow(128, 2);
        assertTrue(two.windowed(0) && !two.windowed(1) && two.windowed(22) && !two.windowed(23));
        SlidingWindow three = new SlidingWindow(4, 3); // l % 3 < 2
        assertTrue(three.windowed(0) && three.windowed(1) && !three.windowed(2) && three.windowed(3));
        SlidingWindow all = new SlidingWindow(4, 0);
        assertTrue(all.windowed(0) && all.windowed(5));
        assertEquals(0, three.of(2));
        assertEquals(4, three.of(4));
    }

    @Test
    void batchedDecodeGivesEachSequenceItsOwnLogits(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("oss.gguf");
        int vocab = 300;
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.GPT_OSS, GgmlType.Q8_0, 2, 64, 4, 2, 32, 96, vocab, 256,
                        150000f, 1e-5f, false, 3, "t").withExperts(new ExpertConfig(8, 4, 32, false)).withSlidingWindow(16)
                        .withRope(RopeScaling.yarn(4, 32)).withQkGain(3).withExpertType(GgmlType.MXFP4),
                GptOssModelTest::vocab, file);
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            int[] lengths = {5, 40, 90}; // inside the window, past it, past it and a page
            int n = lengths.length;
            SplittableRandom rnd = new SplittableRandom(9);
            Transformer.State[] alone = new Transformer.State[n], batched = new Transformer.State[n];
            for (int i = 0; i < n; i++) {
                int[] prompt = rnd.ints(lengths[i], 0, vocab).toArray();
                alone[i] = model.newState(128, true);
                batched[i] = model.newState(128, true);
                model.forward(alone[i], prompt, 0, prompt.length, null, false, null);
                model.forward(batched[i], prompt, 0, prompt.length, null, false, null);
            }
            Transformer.Batch batch = model.new Batch(n);
            float[][] logits = new float[n][vocab];
            float[] one = new float[vocab];
            for (int step = 0; step < 3; step++) {
                int[] tokens = rnd.ints(n, 0, vocab).toArray();
                model.forwardBatch(batch, batched, tokens, n, logits, new HiddenStates[n]);
                for (int i = 0; i < n; i++) {
                    model.forward(alone[i], tokens, i, 1, one, false, null);
                    double max = 0;
                    for (int v = 0; v < vocab; v++) max = Math.max(max, Math.abs(one[v] - logits[i][v]));
                    // packed Q8_0 and MXFP4 products sum alike in both paths (no lane sums to round apart)
                    assertTrue(max <= 1e-5, "sequence " + i + " step " + step + ": batched logits differ by " + max);
                    assertFalse(java.util.Arrays.equals(logits[0], logits[i]) && i > 0, "sequences got the same logits");
                }
            }
        }
    }

    private static void vocab(GgufWriter w) {
        String[] tokens = new String[300];
        for (int i = 0; i < tokens.length; i++) tokens[i] = "t" + i;
        w.put("tokenizer.ggml.model", "gpt2");
        w.putStrings("tokenizer.ggml.tokens", tokens);
    }
}
