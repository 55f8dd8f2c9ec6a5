package dev.bgl.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused attention kernel against attention written out plainly (scores for every position,
 * softmax in double, weighted sum of values), on random keys and values at positions past 1,000,
 * with grouped KV heads: one query (decode, with and without the split over pages) and chunks of
 * queries (prefill, causal within the chunk, across page boundaries). Both read the same stored
 * (rounded) cache and round as ggml does, so they differ only by float rounding.
 */
class TiledAttentionTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                // GQA as Qwen3 (groups of 4 here), decode at 1,300 tokens, one thread and split-K over 4
                Arguments.of(KvCacheType.F16, 8, 2, 64, 1299, 1, 1),
                Arguments.of(KvCacheType.F16, 8, 2, 64, 1299, 1, 4),
                Arguments.of(KvCacheType.F32, 8, 2, 64, 1299, 1, 4),
                // a prefill chunk starting inside a page, ending in the next
                Arguments.of(KvCacheType.F16, 8, 2, 64, 1100, 32, 1),
                Arguments.of(KvCacheType.F32, 8, 2, 64, 1100, 32, 2),
                // the first chunk of a prompt: rows see 1..32 positions of one page
                Arguments.of(KvCacheType.F16, 8, 2, 64, 0, 32, 1),
                // odd group (an unpaired row) and a head size that is no multiple of the vector width
                Arguments.of(KvCacheType.F16, 3, 1, 40, 1030, 7, 1),
                Arguments.of(KvCacheType.F16, 3, 1, 40, 1030, 1, 8),
                // Q8_0 keys and values (and queries through Q8_0), decode split and unsplit, prefill
                Arguments.of(KvCacheType.Q8_0, 8, 2, 64, 1299, 1, 1),
                Arguments.of(KvCacheType.Q8_0, 8, 2, 64, 1299, 1, 4),
                Arguments.of(KvCacheType.Q8_0, 8, 2, 64, 1100, 32, 1),
                Arguments.of(KvCacheType.Q8_0, 6, 2, 32, 1030, 5, 1),
                Arguments.of(KvCacheType.Q4_0, 8, 2, 64, 1299, 1, 4),
                Arguments.of(KvCacheType.Q4_0, 8, 2, 64, 1100, 32, 1));
    }

    @ParameterizedTest(name = "{0} heads {1}/{2} hd {3} pos0 {4} n {5} threads {6}")
    @MethodSource("cases")
    void matchesPlainAttention(KvCacheType type, int heads, int kvHeads, int hd, int pos0, int n, int threads) {
        check(type, heads, kvHeads, hd, pos0, n, threads, 0, false);
    }

    /**
     * gpt-oss's sliding window and sinks: windows ending inside a page and spanning pages, a
     * window wider than the context, decode with and without the split over pages (whose merge
     * folds the sinks in), and a prefill chunk whose rows' windows start at different positions.
     */
    static Stream<Arguments> windowCases() {
        return Stream.of(
                Arguments.of(KvCacheType.F16, 8, 2, 64, 1299, 1, 1, 128, true),
                Arguments.of(KvCacheType.F16, 8, 2, 64, 1299, 1, 4, 600, true),
                Arguments.of(KvCacheType.F32, 8, 2, 64, 1299, 1, 4, 0, true),
                Arguments.of(KvCacheType.F32, 8, 2, 64, 1299, 1, 8, 100, false),
                Arguments.of(KvCacheType.F16, 8, 2, 64, 1100, 32, 1, 16, true),
                Arguments.of(KvCacheType.F32, 8, 2, 64, 1100, 32, 2, 70, true),
                Arguments.of(KvCacheType.F16, 8, 2, 64, 0, 32, 1, 16, true),
                Arguments.of(KvCacheType.F16, 3, 1, 40, 30, 7, 1, 5000, true),
                Arguments.of(KvCacheType.Q8_0, 8, 2, 64, 1299, 1, 4, 256, true));
    }

    @ParameterizedTest(name = "{0} heads {1}/{2} hd {3} pos0 {4} n {5} threads {6} window {7} sinks {8}")
    @MethodSource("windowCases")
    void windowAndSinksMatchPlainAttention(KvCacheType type, int heads, int kvHeads, int hd, int pos0, int n, int threads, int window, boolean sinks) {
        check(type, heads, kvHeads, hd, pos0, n, threads, window, sinks);
    }

    static void check(KvCacheType type, int heads, int kvHeads, int hd, int pos0, int n, int threads, int window, boolean withSinks) {
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, heads * hd, 2, heads, kvHeads, hd, hd, 64, 4096, 1e-6f, 1e6f, true);
        int len = pos0 + n, layer = 1;
        KvCache cache = new KvCache(c, len + 5, type);
        Random rnd = new Random(pos0 * 31L + n);
        float[] k = new float[c.kvDim()], v = new float[c.vDim()];
        for (int pos = 0; pos < len; pos++) {
            // keys grow with position, so the largest scores come late and the running maximum is
            // raised (and the output so far rescaled) on many tiles
            float amp = 0.5f + 3f * pos / len;
            for (int i = 0; i < k.length; i++) k[i] = amp * (float) rnd.nextGaussian() / (float) Math.sqrt(hd) * 4;
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            cache.store(0, pos, v, 0, k, 0); // another layer's data must not leak in
            cache.store(layer, pos, k, 0, v, 0);
        }
        float[] q = new float[n * c.qDim()];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        float[] out = new float[n * heads * hd];
        // sinks around the scores' maximum, so that they take a real share (and now and then set the maximum)
        float[] sinks = null;
        if (withSinks) {
            sinks = new float[heads];
            for (int h = 0; h < heads; h++) sinks[h] = 2f + 2f * (float) rnd.nextGaussian();
        }
        new TiledAttention(c, threads).run(cache, layer, pos0, n, q, out, window, sinks);

        int group = heads / kvHeads;
        // float against double; with F16 weights a float rounding may also tip a weight's F16
        // rounding by one step (2^-11 of it)
        double tolerance = type == KvCacheType.F16 ? 5e-4 : 1e-4, maxErr = 0;
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group, seen = pos0 + i + 1, from = window > 0 ? Math.max(0, seen - window) : 0;
                double[] w = new double[seen];
                double max = sinks == null ? Double.NEGATIVE_INFINITY : sinks[h];
                float[] qh = java.util.Arrays.copyOfRange(q, i * c.qDim() + h * hd, i * c.qDim() + (h + 1) * hd);
                for (int j = 0; j < hd; j++) // as ggml's operands of a product with an F16 or Q8_0 cache
                    if (type == KvCacheType.F16) qh[j] = Float.float16ToFloat(Float.floatToFloat16(qh[j]));
                if (type == KvCacheType.Q8_0 || type == KvCacheType.Q4_0) qh = q8(qh);
                for (int t = from; t < seen; t++) {
                    double d = 0;
                    for (int j = 0; j < hd; j++) d += (double) qh[j] * cache.key(layer, t, kvh * hd + j);
                    w[t] = d / Math.sqrt(hd);
                    max = Math.max(max, w[t]);
                }
                double sum = sinks == null ? 0 : Math.exp(sinks[h] - max); // a sink has a weight and no value
                for (int t = from; t < seen; t++) sum += w[t] = Math.exp(w[t] - max);
                for (int t = from; t < seen; t++) {
                    w[t] /= sum;
                    // ggml rounds the normalised weights to F16 before multiplying an F16 value cache
                    if (type == KvCacheType.F16) w[t] = Float.float16ToFloat(Float.floatToFloat16((float) w[t]));
                }
                for (int x = 0; x < hd; x++) {
                    double ref = 0;
                    for (int t = from; t < seen; t++) ref += w[t] * cache.value(layer, t, kvh * hd + x);
                    double got = out[i * heads * hd + h * hd + x];
                    maxErr = Math.max(maxErr, Math.abs(got - ref));
                    assertEquals(ref, got, tolerance, "query " + i + " head " + h + " element " + x);
                }
            }
        }
        assertEquals(0, maxErr, tolerance);
        if (type == KvCacheType.Q8_0 || type == KvCacheType.Q4_0) {
            // the cache holds blocks: each stored key is within half a Q8_0 step (amax/127/2) of what was put in, or
            // one Q4_0 step (amax/8: the clamp at 15 can cost a whole one)
            float[] last = new float[c.kvDim()], lastV = new float[c.vDim()];
            for (int j = 0; j < c.kvDim(); j++) last[j] = cache.key(layer, len - 1, j);
            for (int j = 0; j < c.vDim(); j++) lastV[j] = cache.value(layer, len - 1, j);
            double step = type == KvCacheType.Q8_0 ? 0.51 / 127 : 1.01 / 8;
            assertEquals(0, maxDiff(k, last), maxAbs(k) * step + 1e-6, type + " rounding of the last key row");
            assertEquals(0, maxDiff(v, lastV), maxAbs(v) * step + 1e-6, type + " rounding of the last value row");
            assertTrue(maxDiff(k, last) > 0, "the keys were quantised");
        }
    }

    /**
     * A prefill chunk reads F16 pages through float tiles (blocks of many rows) while decode
     * widens them in registers: the two must give the same bits, so that a prompt's attention
     * does not depend on whether its tokens came in a chunk or one at a time. (One thread and at
     * least two KV heads: a decode step split over pages adds its parts in another order.)
     */
    @ParameterizedTest(name = "{0} heads {1}/{2} hd {3}")
    @org.junit.jupiter.params.provider.CsvSource({"F16, 8, 2, 64", "F16, 16, 8, 128", "F16, 6, 2, 40", "Q8_0, 8, 2, 64"})
    void aChunkAttendsExactlyAsItsQueriesOneByOne(KvCacheType type, int heads, int kvHeads, int hd) {
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, heads * hd, 1, heads, kvHeads, hd, hd, 64, 4096, 1e-6f, 1e6f, true);
        int pos0 = 1050, n = 24, len = pos0 + n;
        KvCache cache = new KvCache(c, len, type);
        Random rnd = new Random(17);
        float[] k = new float[c.kvDim()], v = new float[c.vDim()];
        for (int pos = 0; pos < len; pos++) {
            for (int i = 0; i < k.length; i++) k[i] = (float) rnd.nextGaussian() * 0.5f;
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            cache.store(0, pos, k, 0, v, 0);
        }
        float[] q = new float[n * c.qDim()], chunk = new float[n * heads * hd], one = new float[heads * hd];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        TiledAttention attention = new TiledAttention(c, 1);
        attention.run(cache, 0, pos0, n, q, chunk);
        for (int i = 0; i < n; i++) {
            attention.run(cache, 0, pos0 + i, 1, java.util.Arrays.copyOfRange(q, i * c.qDim(), (i + 1) * c.qDim()), one);
            for (int e = 0; e < one.length; e++)
                assertEquals(Float.floatToRawIntBits(one[e]), Float.floatToRawIntBits(chunk[i * one.length + e]),
                        "query " + i + " element " + e + ": alone " + one[e] + ", in the chunk " + chunk[i * one.length + e]);
        }
    }

    /** The in-register widening of an F16 cache gives exactly Float.float16ToFloat for every finite half, subnormals and both zeros included. */
    @org.junit.jupiter.api.Test
    void halvesWidenExactly() {
        short[] all = new short[65536 + 64];
        for (int i = 0; i < 65536; i++) all[i] = (short) i;
        float[] lanes = new float[64];
        int checked = 0;
        int n = TiledAttention.half(all, 0).length(); // 16 lanes with AVX-512, 8 with AVX2
        for (int i = 0; i < 65536; i += n) {
            TiledAttention.half(all, i).intoArray(lanes, 0);
            for (int j = 0; j < n && i + j < 65536; j++) {
                short h = all[i + j];
                if ((h & 0x7c00) == 0x7c00) continue; // infinities and NaNs: pages holding them are widened the other way
                assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(h)), Float.floatToRawIntBits(lanes[j]), "half " + Integer.toHexString(h & 0xffff));
                checked++;
            }
        }
        assertEquals(65536 - 2048, checked, "every finite half, " + n + " lanes per load");
    }

    /**
     * An F16 value that overflowed to infinity reaches the output as ggml's would (infinite in the
     * element it sits in, for both query heads of its KV head), not as the large finite number the
     * in-register widening would make of it; the other KV head stays finite.
     */
    @org.junit.jupiter.api.Test
    void anInfiniteValueIsCarried() {
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, 4 * 64, 1, 4, 2, 64, 64, 64, 4096, 1e-6f, 1e6f, true);
        int len = 1100, bad = 700, x = 5;
        KvCache cache = new KvCache(c, len, KvCacheType.F16);
        Random rnd = new Random(3);
        float[] k = new float[c.kvDim()], v = new float[c.vDim()];
        for (int pos = 0; pos < len; pos++) {
            for (int i = 0; i < k.length; i++) k[i] = (float) rnd.nextGaussian() * 0.2f;
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            if (pos == bad) v[x] = 1e6f; // KV head 0, element 5: past F16's 65,504
            cache.store(0, pos, k, 0, v, 0);
        }
        float[] q = new float[c.qDim()], out = new float[c.heads() * 64];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        new TiledAttention(c, 1).run(cache, 0, len - 1, 1, q, out);
        for (int h = 0; h < 4; h++)
            for (int e = 0; e < 64; e++) {
                float o = out[h * 64 + e];
                if (h < 2 && e == x) assertTrue(Float.isInfinite(o), "head " + h + " element " + e + ": " + o);
                else assertTrue(Float.isFinite(o), "head " + h + " element " + e + ": " + o);
            }
    }

    /** x through ggml's x86 quantize_row_q8_0 and back: blocks of 32, quants rint(x · 127/amax), scale amax/127 in F16. */
    static float[] q8(float[] x) {
        float[] out = new float[x.length];
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]));
            float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            for (int j = 0; j < 32; j++) out[b + j] = (float) Math.rint(x[b + j] * (127f / amax)) * d;
        }
        return out;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float x : a) m = Math.max(m, Math.abs(x));
        return m;
    }
}
