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

    /**
     * An F16 or Q8_0 page's layout: every (element, slot) has its own place in the page, within its head's
     * block, and a run (RUN slots of a key element, RUN elements of a value slot, fewer at the end
     * of a value head) is contiguous, which is what the attention kernels read in one pass. Head
     * sizes below, at and above RUN, and not multiples of it.
     */
    @Test
    void f16AndQ8PagesHoldEachHeadInContiguousRuns() {
        int P = KvCache.PAGE, run = KvCache.RUN;
        for (int[] shape : new int[][]{{8, 128, 128}, {2, 64, 64}, {1, 40, 40}, {3, 80, 48}, {2, 16, 16}}) {
            int kvHeads = shape[0], hd = shape[1], vhd = shape[2];
            ModelConfig c = new ModelConfig(Architecture.QWEN3, 300, 64, 1, 2 * kvHeads, kvHeads, hd, vhd, 96, 4096, 1e-6f, 1e6f, false);
            for (KvCacheType type : new KvCacheType[]{KvCacheType.F16, KvCacheType.Q8_0}) {
                if (type == KvCacheType.Q8_0 && (hd % KvCache.QK != 0 || vhd % KvCache.QK != 0)) continue; // Q8_0 wants whole blocks
                KvCache cache = new KvCache(c, P, type);
                String at = type.label() + ", " + kvHeads + " heads of " + hd + "/" + vhd + ": ";
                boolean[] taken = new boolean[P * c.kvDim()];
                for (int i = 0; i < c.kvDim(); i++)
                    for (int slot = 0; slot < P; slot++) {
                        int o = cache.runKeyIndex(i, slot);
                        assertEquals(i / hd, o / (hd * P), at + "key " + i + " at slot " + slot + " lies in its head's block");
                        assertEquals(false, taken[o], at + "key " + i + " at slot " + slot + " has a place of its own");
                        taken[o] = true;
                        if (slot % run != 0) assertEquals(cache.runKeyIndex(i, slot - 1) + 1, o, at + "key run of element " + i + " at slot " + slot);
                        // a pass over a run of slots reads the head's elements one after the other
                        if (slot % run == run - 1 && i % hd != hd - 1)
                            assertEquals(o + 1, cache.runKeyIndex(i + 1, slot - run + 1), at + "the run of element " + (i + 1) + " follows that of " + i);
                    }
                taken = new boolean[P * c.vDim()];
                for (int i = 0; i < c.vDim(); i++)
                    for (int slot = 0; slot < P; slot++) {
                        int o = cache.runValueIndex(slot, i);
                        assertEquals(i / vhd, o / (vhd * P), at + "value " + i + " at slot " + slot + " lies in its head's block");
                        assertEquals(false, taken[o], at + "value " + i + " at slot " + slot + " has a place of its own");
                        taken[o] = true;
                        if (type == KvCacheType.Q8_0) // whole blocks, aligned: index / 32 numbers the block, where its scale lies
                            assertEquals(i % vhd % KvCache.QK, o % KvCache.QK, at + "value " + i + " at slot " + slot + " in its block");
                        if (i % vhd % run != 0) assertEquals(cache.runValueIndex(slot, i - 1) + 1, o, at + "value run at slot " + slot + " element " + i);
                        // a pass over a run of elements reads the page's slots one after the other
                        int start = i - i % vhd % run, width = Math.min(run, vhd - i % vhd + i % vhd % run);
                        if (i == start + width - 1 && slot < P - 1)
                            assertEquals(o + 1, cache.runValueIndex(slot + 1, start), at + "slot " + (slot + 1) + "'s run follows slot " + slot + "'s at element " + start);
                    }
            }
        }
    }

    private static float stored(float x, boolean f16) {
        return f16 ? Float.float16ToFloat(Float.floatToFloat16(x)) : x;
    }
}
