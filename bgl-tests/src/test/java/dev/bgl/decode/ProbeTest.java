package dev.bgl.decode;

import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.ExpertConfig;
import dev.bgl.model.HiddenStates;
import dev.bgl.model.KvCacheType;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A session's probe ({@link Session#probe}) sees what feeding the token would, and leaves the session as it was:
 * the token fed after it gets the numbers it gets without the probe. Bit for bit on a Q8_0 model (its packed
 * kernels sum no lanes; see FeedBatchTest), after a first pass that lets C2 compile the kernels, at short
 * positions and past a thousand (split-K attention), with f16 and q8_0 caches.
 */
class ProbeTest {
    @TempDir
    Path dir;

    @Test
    void aProbeSeesTheTokenAheadAndLeavesTheSessionAsItWas() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("q8.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.Q8_0, 2, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 2048, 1e6f, 1e-6f, false, 7, "t"), vocab::writeTo, f);
        for (KvCacheType kv : new KvCacheType[]{KvCacheType.F16, KvCacheType.Q8_0})
            try (LoadedModel m = LoadedModel.open(f, kv)) {
                for (int pass = 0; pass < 2; pass++)
                    for (int length : new int[]{5, 1200}) check(m, length, pass == 1);
            }
    }

    private static void check(LoadedModel m, int length, boolean compare) {
        int[] prompt = new int[length];
        for (int t = 0; t < length; t++) prompt[t] = 40 + (t * 37) % 180;
        int ahead = 77, next = 91, vocab = m.transformer().config().vocabSize();
        try (Session probed = m.newSession(length + 4); Session plain = m.newSession(length + 4); Session fed = m.newSession(length + 4)) {
            probed.feed(prompt, 0, length, true);
            plain.feed(prompt, 0, length, true);
            fed.feed(prompt, 0, length, true);
            float[] before = probed.logits().clone();
            float[] logits = new float[vocab];
            HiddenStates hidden = HiddenStates.allocate(m.transformer().config());
            Probe probe = probed.probe();
            assertNotNull(probe, "a model without windowed layers can look ahead");
            assertTrue(probe.lookAhead(ahead, logits, hidden));
            fed.feed(ahead, true);
            if (compare) {
                assertArrayEquals(fed.logits(), logits, "the probe's logits are those of the token fed");
                assertArrayEquals(fed.hidden().finalNorm(), hidden.finalNorm(), "and so are its hidden states");
                assertArrayEquals(before, probed.logits(), "the session's own logits are untouched");
            }
            assertEquals(length, probed.length(), "the probe does not lengthen the sequence");
            probed.feed(next, true);
            plain.feed(next, true);
            if (compare) {
                assertArrayEquals(plain.logits(), probed.logits(), "the next token sees the cache as it was, at " + length);
                assertArrayEquals(plain.hidden().layers()[1], probed.hidden().layers()[1]);
            }
            assertFalse(Arrays.equals(logits, probed.logits()), "a probe and the real next token differ");
        }
    }

    @Test
    void aFullContextRefusesTheProbe() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("q.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 2, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 64, 1e6f, 1e-6f, false, 7, "t"), vocab::writeTo, f);
        try (LoadedModel m = LoadedModel.open(f, KvCacheType.F16); Session s = m.newSession(3)) {
            s.feed(new int[]{40, 41, 42}, 0, 3, false);
            assertFalse(s.probe().lookAhead(50, new float[m.transformer().config().vocabSize()], HiddenStates.allocate(m.transformer().config())),
                    "no room for one more token");
            assertEquals(3, s.length());
        }
    }

    /**
     * A sliding-window layer releases pages as positions pass its window; a probe releases only what the next
     * real token would, so the rewind needs nothing released. Checked where the window's first position
     * crosses a page (64 positions), on gpt-oss's pattern (windowed and full layers alternating).
     */
    @Test
    void slidingWindowLayersRewindAcrossPageBoundaries() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path oss = dir.resolve("oss.gguf");
        int window = 8;
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.GPT_OSS, GgmlType.Q8_0, 2, 64, 4, 2, 32, 96, vocab.vocabSize(), 512,
                150000f, 1e-5f, false, 5, "t").withExperts(new ExpertConfig(4, 2, 32, false)).withSlidingWindow(window), vocab::writeTo, oss);
        try (var src = dev.bgl.model.GgufModelSource.open(oss)) {
            var model = new dev.bgl.model.Transformer(src);
            var c = model.config();
            for (int pass = 0; pass < 2; pass++)
                for (int length : new int[]{window + 62, window + 63, window + 64, window + 127, 300}) {
                    int[] prompt = new int[length];
                    for (int t = 0; t < length; t++) prompt[t] = 40 + (t * 29) % 180;
                    try (Session probed = new Session(model, length + 4, KvCacheType.F16); Session plain = new Session(model, length + 4, KvCacheType.F16)) {
                        probed.feed(prompt, 0, length, false);
                        plain.feed(prompt, 0, length, false);
                        assertTrue(probed.probe().lookAhead(77, new float[c.vocabSize()], HiddenStates.allocate(c)));
                        probed.feed(91, false);
                        plain.feed(91, false);
                        if (pass == 1) assertArrayEquals(plain.logits(), probed.logits(), "after a probe at " + length);
                    }
                }
        }
    }
}
