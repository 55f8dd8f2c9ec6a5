package dev.bgl.decode;

import dev.bgl.util.RepoFiles;
import dev.bgl.model.KvCacheType;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The KV cache type option: F32 sessions take twice F16's bytes and give the same next-token choice on the shipped model. */
class KvCacheTypeTest {
    private static Path shippedModel() {
        return RepoFiles.shippedModel();
    }

    @Test
    void parseNamesTheBadValue() {
        assertEquals(KvCacheType.F16, KvCacheType.parse("F16"));
        assertEquals(KvCacheType.F32, KvCacheType.parse(" f32 "));
        assertEquals(KvCacheType.Q8_0, KvCacheType.parse("Q8_0"));
        BglException e = assertThrows(BglException.class, () -> KvCacheType.parse("q4_1"));
        assertTrue(e.getMessage().contains("'q4_1'"), e.getMessage());
    }

    @Test
    void q8CacheCountsBlocksAndKeepsTheChoices() {
        Path path = shippedModel();
        try (LoadedModel f16 = LoadedModel.open(path); LoadedModel q8 = LoadedModel.open(path, KvCacheType.Q8_0)) {
            // 34 bytes per block of 32 elements against 64 for F16
            assertEquals(f16.kvBytesPerToken() * 17 / 32, q8.kvBytesPerToken());
            int[] prompt = f16.encodePrompt(f16.renderPrompt(java.util.List.of(dev.bgl.chat.ChatMessage.user("Multiply: 47*6")), null));
            try (Session a = f16.newSession(prompt.length + 20); Session b = q8.newSession(prompt.length + 20)) {
                a.feed(prompt, 0, prompt.length, false);
                b.feed(prompt, 0, prompt.length, false);
                assertEquals(a.kvBytes() * 17 / 32, b.kvBytes(), "measured cache bytes");
                for (int step = 0; step < 10; step++) {
                    int ta = argmax(a.logits()), tb = argmax(b.logits());
                    assertEquals(ta, tb, "greedy choice at step " + step);
                    a.feed(ta, false);
                    b.feed(tb, false);
                }
            }
        }
    }

    @Test
    void f32CacheDoublesTheBytesAndKeepsTheChoices() {
        Path path = shippedModel();
        try (LoadedModel f16 = LoadedModel.open(path); LoadedModel f32 = LoadedModel.open(path, KvCacheType.F32)) {
            assertEquals(KvCacheType.F16, f16.kvType());
            assertEquals(2 * f16.kvBytesPerToken(), f32.kvBytesPerToken());
            int[] prompt = f16.encodePrompt(f16.renderPrompt(java.util.List.of(dev.bgl.chat.ChatMessage.user("Add: 17+8+12+5")), null));
            try (Session a = f16.newSession(prompt.length + 40); Session b = f32.newSession(prompt.length + 40)) {
                a.feed(prompt, 0, prompt.length, false);
                b.feed(prompt, 0, prompt.length, false);
                assertEquals(2 * a.kvBytes(), b.kvBytes(), "measured cache bytes");
                double maxDiff = 0;
                boolean anyDiff = false;
                for (int step = 0; step < 30; step++) {
                    float[] la = a.logits(), lb = b.logits();
                    int ta = argmax(la), tb = argmax(lb);
                    assertEquals(ta, tb, "greedy choice at step " + step);
                    for (int i = 0; i < la.length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(la[i] - lb[i]));
                        anyDiff |= la[i] != lb[i];
                    }
                    a.feed(ta, false);
                    b.feed(tb, false);
                }
                // F16 rounding of the cached keys and values is visible in the logits, but small
                assertTrue(anyDiff, "an F32 cache should not round like an F16 one");
                assertTrue(maxDiff < 0.05, "logits differ by " + maxDiff);
            }
        }
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
