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
            float[] tile = new float[hd * KvCache.PAGE];
            for (int l = 0; l < CONFIG.layers(); l++)
                for (int head = 0; head < CONFIG.kvHeads(); head++)
                    for (int pos = 0; pos < n; pos++) {
                        int page = pos / KvCache.PAGE, slot = pos % KvCache.PAGE;
                        // the tiles the attention kernel reads: keys [element][PAGE], values [slot][element]
                        float[] kt = c.keyTile(l, page, head * hd, hd, pos % 2 == 0 ? KvCache.PAGE : slot + 1, tile); // whole pages and first slots
                        int kBase = f16 ? 0 : head * hd * KvCache.PAGE;
                        for (int j = 0; j < hd; j++) {
                            float want = stored(keys[l][pos][head * hd + j], f16);
                            assertEquals(want, c.key(l, pos, head * hd + j), "key of layer " + l + " at " + pos + (f16 ? " (F16)" : " (F32)"));
                            assertEquals(want, kt[kBase + j * KvCache.PAGE + slot], "key tile of layer " + l + " at " + pos);
                        }
                        float[] vt = c.valueTile(l, page, head * hd, hd, slot + 1, tile);
                        int vBase = f16 ? slot * hd : slot * vDim + head * hd;
                        for (int j = 0; j < hd; j++) {
                            float want = stored(values[l][pos][head * hd + j], f16);
                            assertEquals(want, c.value(l, pos, head * hd + j), "value of layer " + l + " at " + pos);
                            assertEquals(want, vt[vBase + j], "value tile of layer " + l + " at " + pos);
                        }
                    }
        }
    }

    private static float stored(float x, boolean f16) {
        return f16 ? Float.float16ToFloat(Float.floatToFloat16(x)) : x;
    }
}
