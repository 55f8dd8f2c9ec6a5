package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A sliding-window layer's KV cache holds its window, not the whole context: after a long prompt
 * (many windows, many pages) the windowed layers hold a few pages while the full ones hold them
 * all, decoding goes on reading only what is held (a released page is null: a read of one would
 * throw), and a rewind either finds what it needs or says it cannot. What the tokens are is
 * checked against llama.cpp by GptOssConformanceTest's 300-token prompt, which runs past released pages.
 */
class SlidingWindowKvTest {
    static final int VOCAB = 300, WINDOW = 16, PROMPT = 1000, CONTEXT = 1100;
    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void makeModel() throws Exception {
        file = dir.resolve("oss.gguf");
        // 4 layers: 0 and 2 windowed (gpt-oss's pattern), 1 and 3 see every key
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.GPT_OSS, GgmlType.F32, 4, 64, 4, 2, 32, 96, VOCAB, 2048,
                        150000f, 1e-5f, false, 5, "t").withExperts(new ExpertConfig(4, 2, 32, false)).withSlidingWindow(WINDOW).withQkGain(3),
                SlidingWindowKvTest::vocab, file);
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void windowedLayersHoldTheirWindowOnly(KvCacheType kv) throws Exception {
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            ModelConfig c = src.config();
            var state = model.newState(CONTEXT, kv);
            int[] prompt = new SplittableRandom(3).ints(PROMPT, 0, VOCAB).toArray();
            float[] logits = new float[VOCAB];
            model.forward(state, prompt, 0, PROMPT, logits, false, null);
            for (int i = 0; i < 40; i++) { // decode past the prompt, a token at a time
                int next = 0;
                for (int v = 1; v < VOCAB; v++) if (logits[v] > logits[next]) next = v;
                model.forward(state, new int[]{next}, 0, 1, logits, false, null);
                for (float x : logits) assertTrue(Float.isFinite(x), kv + ": logits finite at step " + i);
            }
            int tokens = PROMPT + 40;
            long perLayerPosition = kv.rowBytes(c.kvDim()) + kv.rowBytes(c.vDim());
            long fullPages = (tokens + KvCache.PAGE - 1) / KvCache.PAGE;
            long reserved = state.cache.bytesReserved();
            long windowedPages = reserved / (KvCache.PAGE * perLayerPosition) - 2 * fullPages; // two full layers hold every page
            // the last step (position tokens - 1) released the pages wholly before its window
            long heldEach = (tokens - 1) / KvCache.PAGE - (tokens - WINDOW) / KvCache.PAGE + 1;
            assertEquals(2 * heldEach, windowedPages, kv + ": pages of the two windowed layers (" + fullPages + " on each full one)");
            assertTrue(reserved <= c.kvBytes(kv, tokens) + c.layers() * KvCache.PAGE * perLayerPosition,
                    kv + ": reserved " + reserved + " exceeds the bound inspect and the memory check use, " + c.kvBytes(kv, tokens));
            assertTrue(reserved < c.kvBytesPerToken(kv) * tokens * 6 / 10, kv + ": about half of a cache that keeps every layer whole");
            // what the cache reports holding: every position on the full layers, the window on the others
            assertEquals((2L * tokens + 2L * WINDOW) * perLayerPosition, state.cache.bytesUsed(), kv + ": bytes used");
        }
    }

    @Test
    void aRewindFindsItsWindowOrSaysItCannot() throws Exception {
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            int[] prompt = new SplittableRandom(4).ints(600, 0, VOCAB).toArray();
            float[] first = new float[VOCAB], again = new float[VOCAB];
            // warm up: until C2 compiles the Vector API kernels their lane sums may add in another
            // order; C2 may still recompile later, so the comparisons allow small differences (a read of a
            // released page would throw, and a wrong key would move the logits far more); a last-bit
            // difference can also flip an expert near a tie in the routing, hence 1e-2 on logits of about 2
            for (int round = 0; round < 3; round++) {
                var warm = model.newState(CONTEXT, KvCacheType.F16);
                model.forward(warm, prompt, 0, 590, null, false, null);
                model.forward(warm, prompt, 590, 10, first, false, null);
            }
            var state = model.newState(CONTEXT, KvCacheType.F16);
            model.forward(state, prompt, 0, 590, null, false, null);
            model.forward(state, prompt, 590, 10, first, false, null);
            // back to 590: the windows of positions 590.. are still held (released only before the chunk's own window)
            state.cache.truncate(590);
            model.forward(state, prompt, 590, 10, again, false, null);
            assertArrayEquals(first, again, 1e-2f, "the same logits again after a rewind within the window");
            // far back: the windowed layers released those positions
            assertTrue(state.cache.canTruncate(590) && state.cache.canTruncate(0) && !state.cache.canTruncate(100));
            var e = assertThrows(dev.bgl.util.BglException.class, () -> state.cache.truncate(100));
            assertTrue(e.getMessage().contains("cannot rewind the KV cache to 100 tokens") && e.getMessage().contains("layer 0"), e.getMessage());
            assertEquals(600, state.cache.length(), "a refused rewind changes nothing");
            // to the start: everything is written again before it is read
            state.cache.truncate(0);
            model.forward(state, prompt, 0, 590, null, false, null);
            model.forward(state, prompt, 590, 10, again, false, null);
            assertArrayEquals(first, again, 1e-2f, "the same logits again after a rewind to the start");
        }
    }

    @Test
    void contextMemoryCountsTheWindowOnce() throws Exception {
        try (var src = GgufModelSource.open(file)) {
            ModelConfig c = src.config();
            for (KvCacheType kv : KvCacheType.values()) {
                long perLayer = kv.rowBytes(c.kvDim()) + kv.rowBytes(c.vDim());
                assertEquals(c.kvBytesPerToken(kv) * 10, c.kvBytes(kv, 10), "inside the window every layer counts");
                long cap = WINDOW + 2L * Transformer.MAX_CHUNK + 2L * KvCache.PAGE;
                assertEquals((2L * 100_000 + 2 * cap) * perLayer, c.kvBytes(kv, 100_000), "past it the windowed layers stop growing");
                assertEquals((2L * 100_000 + 2 * WINDOW) * perLayer, c.kvBytesRead(kv, 100_000), "a decode step reads the window");
                for (long bytes : new long[]{1, perLayer * 4 * 50, 123_456_789L, c.kvBytes(kv, 5000)}) {
                    long t = c.kvTokensWithin(kv, bytes);
                    assertTrue(c.kvBytes(kv, t) <= bytes && c.kvBytes(kv, t + 1) > bytes, kv + ": " + t + " tokens within " + bytes + " bytes");
                }
                assertEquals(5000, c.kvTokensWithin(kv, c.kvBytes(kv, 5000)));
                assertTrue(ContextMemory.largestContext(c, kv, c.kvBytes(kv, 5000)) == 5000);
            }
            // every layer windowed: past the cap no context needs more
            ModelConfig all = c.withSlidingWindow(new SlidingWindow(WINDOW, 0));
            assertEquals(Long.MAX_VALUE, all.kvTokensWithin(KvCacheType.F16, all.kvBytes(KvCacheType.F16, 1_000_000)));
        }
    }

    private static void vocab(GgufWriter w) {
        String[] tokens = new String[VOCAB];
        for (int i = 0; i < tokens.length; i++) tokens[i] = "t" + i;
        w.put("tokenizer.ggml.model", "gpt2");
        w.putStrings("tokenizer.ggml.tokens", tokens);
    }
}
