package dev.bgl.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The paged KV cache: memory follows the positions written, not the context size, and every
 * position reads back what was stored (rounded through F16 for an F16 cache), across page
 * boundaries. The expected values come from plain arrays kept by the test.
 */
class KvCachePagingTest {
    private static final ModelConfig CONFIG = new ModelConfig(Architecture.QWEN3, 300, 64, 3, 4, 2, 16, 16, 96,
            4096, 1e-6f, 1e6f, false);

    @Test
    void reservesWholePagesUpToTheFurthestPosition() {
        for (boolean f16 : new boolean[]{true, false}) {
            KvCache c = new KvCache(CONFIG, 4096, f16);
            long perPosition = (long) CONFIG.layers() * (CONFIG.kvDim() + CONFIG.vDim()) * (f16 ? 2 : 4);
            assertEquals(0, c.bytesReserved(), "nothing before the first token");
            float[] k = new float[CONFIG.kvDim()], v = new float[CONFIG.vDim()];
            for (int pos = 0; pos < KvCache.PAGE + 1; pos++)
                for (int l = 0; l < CONFIG.layers(); l++) c.store(l, pos, k, 0, v, 0);
            c.length = KvCache.PAGE + 1;
            assertEquals(2 * KvCache.PAGE * perPosition, c.bytesReserved(), "two pages for " + (KvCache.PAGE + 1) + " positions");
            assertEquals((KvCache.PAGE + 1) * perPosition, c.bytesUsed());
            c.truncate(3);
            assertEquals(2 * KvCache.PAGE * perPosition, c.bytesReserved(), "pages stay for reuse after a rewind");
        }
    }

    @Test
    void readsBackEveryPositionAcrossPages() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 3 * KvCache.PAGE + 5, kvDim = CONFIG.kvDim(), vDim = CONFIG.vDim(), hd = CONFIG.headDim();
        for (boolean f16 : new boolean[]{true, false}) {
            KvCache c = new KvCache(CONFIG, n, f16);
            float[][][] keys = new float[CONFIG.layers()][n][kvDim], values = new float[CONFIG.layers()][n][vDim];
            for (int pos = 0; pos < n; pos++)
                for (int l = 0; l < CONFIG.layers(); l++) {
                    for (int i = 0; i < kvDim; i++) keys[l][pos][i] = (float) rnd.nextGaussian();
                    for (int i = 0; i < vDim; i++) values[l][pos][i] = (float) rnd.nextGaussian();
                    c.store(l, pos, keys[l][pos], 0, values[l][pos], 0);
                }
            float[] q = new float[kvDim];
            for (int i = 0; i < kvDim; i++) q[i] = (float) rnd.nextGaussian();
            float[] sc = new float[n], tile = new float[hd * KvCache.PAGE];
            for (int l = 0; l < CONFIG.layers(); l++)
                for (int head = 0; head < CONFIG.kvHeads(); head++) {
                    for (int len : new int[]{1, KvCache.PAGE - 3, KvCache.PAGE, n}) {
                        java.util.Arrays.fill(sc, Float.NaN);
                        c.scores(l, head * hd, hd, q, head * hd, len, 0.5f, sc, tile);
                        for (int pos = 0; pos < n; pos++) {
                            if (pos >= len) {
                                assertEquals(Float.NaN, sc[pos], "nothing written past len " + len);
                                continue;
                            }
                            double expected = 0, magnitude = 0;
                            for (int j = 0; j < hd; j++) {
                                double term = (double) q[head * hd + j] * stored(keys[l][pos][head * hd + j], f16);
                                expected += term;
                                magnitude += Math.abs(term);
                            }
                            assertEquals(0.5 * expected, sc[pos], 1e-6 * magnitude,
                                    "key of layer " + l + " at " + pos + ", head " + head + ", len " + len + (f16 ? " (F16)" : " (F32)"));
                        }
                    }
                    float[] w = new float[n];
                    for (int t = 0; t < n; t++) w[t] = (float) rnd.nextDouble();
                    for (int len : new int[]{1, KvCache.PAGE + 1, n}) {
                        float[] out = new float[hd + 2];
                        out[0] = 1; // addValues must not touch what lies outside its range
                        c.addValues(l, head * hd, hd, w, len, out, 1, tile);
                        assertEquals(1f, out[0]);
                        assertEquals(0f, out[hd + 1]);
                        for (int j = 0; j < hd; j++) {
                            double expected = 0, magnitude = 0;
                            for (int t = 0; t < len; t++) {
                                double term = (double) w[t] * stored(values[l][t][head * hd + j], f16);
                                expected += term;
                                magnitude += Math.abs(term);
                            }
                            assertEquals(expected, out[1 + j], 1e-6 * magnitude + 1e-30, "values up to " + len + ", element " + j + (f16 ? " (F16)" : " (F32)"));
                        }
                    }
                }
        }
    }

    private static float stored(float x, boolean f16) {
        return f16 ? Float.float16ToFloat(Float.floatToFloat16(x)) : x;
    }
}
