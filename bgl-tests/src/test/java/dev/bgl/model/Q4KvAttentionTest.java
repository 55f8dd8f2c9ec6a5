package dev.bgl.model;

import dev.bgl.tensor.VectorOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Q4_0 KV cache read by the attention's vector kernels (quants unpacked from nibble pairs in
 * vector lanes, {@link TiledAttention}) against the same attention written out in scalar code over
 * the per-element {@link KvCache#key}/{@link KvCache#value} dequantisation, operation for
 * operation: the same FMAs in the same order per position and per output element, the same
 * softmax ({@link VectorOps#expSum}). The one thing that can tell them apart is that softmax's
 * {@code lanewise(EXP)}, which gives other last bits once C2 has compiled its caller (see
 * {@link dev.bgl.tensor.VectorExp}), and the kernel and this test may call it in different
 * states: so with real scores they agree to float rounding, and with a zero query (every weight
 * exactly 1/n) bit for bit. And those accessors against ggml's quantize_row_q4_0_ref done here,
 * so a nibble the cache puts in one place and the kernel reads from another fails one test or
 * the other. Head sizes of one to four blocks (odd ones leave the 16-lane value kernel a run of
 * 32 to its tail), contexts of one slot to past 1,300 positions, ending on a page boundary and
 * just past one.
 */
class Q4KvAttentionTest {
    static Stream<Arguments> decodes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (int hd : new int[]{32, 64, 96, 128})
            for (int len : new int[]{1, 5, 17, 64, 65, 100, 1000, 1299, 1345}) b.add(Arguments.of(hd, len));
        return b.build();
    }

    /** One query (decode), unsplit: the kernel's scores and weighted values are the scalar reference's. */
    @ParameterizedTest(name = "hd {0} context {1}")
    @MethodSource("decodes")
    void decodeIsTheScalarReference(int hd, int len) {
        check(hd, len - 1, 1, 1, false);
    }

    /** The same with every weight 1/n: the values' products and sums are the reference's, bit for bit. */
    @ParameterizedTest(name = "hd {0} context {1}")
    @MethodSource("decodes")
    void decodeValuesAreTheScalarReferenceBitForBit(int hd, int len) {
        check(hd, len - 1, 1, 1, true);
    }

    /** Prefill chunks (rows of one block see different ends, padded with zero weights). */
    @ParameterizedTest(name = "hd {0} pos0 {1} n {2}")
    @MethodSource("chunks")
    void prefillIsTheScalarReference(int hd, int pos0, int n) {
        check(hd, pos0, n, 1, false);
        check(hd, pos0, n, 1, true);
    }

    static Stream<Arguments> chunks() {
        return Stream.of(Arguments.of(64, 0, 32), Arguments.of(128, 1100, 32), Arguments.of(96, 1030, 7), Arguments.of(32, 60, 9));
    }

    /** Decode split over pages: the splits' sums are added in another order, so to float rounding. */
    @ParameterizedTest(name = "hd {0} context {1}")
    @MethodSource("splits")
    void splitDecodeIsTheScalarReference(int hd, int len) {
        check(hd, len - 1, 1, 4, false);
    }

    static Stream<Arguments> splits() {
        return Stream.of(Arguments.of(64, 1299), Arguments.of(96, 1345), Arguments.of(128, 4000));
    }

    /**
     * Attention of queries {@code pos0..pos0+n-1} over a Q4_0 cache, by the kernel and by the
     * scalar reference: bit for bit with a zero query (the weights exact) and one thread (no split
     * whose partial sums are added in another order), else within 2e-6 (measured: 1.5e-7 at most;
     * the outputs are weighted means of values around 1, and a wrong nibble or scale moves them by
     * 1e-2 and more).
     */
    private static void check(int hd, int pos0, int n, int threads, boolean zeroQuery) {
        int heads = 8, kvHeads = 2, group = heads / kvHeads, layer = 1, len = pos0 + n;
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, heads * hd, 2, heads, kvHeads, hd, hd, 64, 8192, 1e-6f, 1e6f, true);
        KvCache cache = new KvCache(c, len + 3, KvCacheType.Q4_0);
        Random rnd = new Random(hd * 7919L + pos0 * 31L + n);
        float[] k = new float[c.kvDim()], v = new float[c.vDim()];
        for (int pos = 0; pos < len; pos++) {
            for (int i = 0; i < k.length; i++) k[i] = (float) rnd.nextGaussian() * 3 / (float) Math.sqrt(hd);
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            cache.store(0, pos, v, 0, k, 0); // another layer's data must not leak in
            cache.store(layer, pos, k, 0, v, 0);
        }
        float[] q = new float[n * c.qDim()], out = new float[n * heads * hd];
        for (int i = 0; i < q.length; i++) q[i] = zeroQuery ? 0 : (float) rnd.nextGaussian();
        new TiledAttention(c, threads).run(cache, layer, pos0, n, q, out);

        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] s = new float[len];
        for (int i = 0; i < n; i++)
            for (int h = 0; h < heads; h++) {
                int kvh = h / group, seen = pos0 + i + 1;
                float[] qf = zeroQuery ? new float[hd] : TiledAttentionTest.q8(java.util.Arrays.copyOfRange(q, i * c.qDim() + h * hd, i * c.qDim() + (h + 1) * hd));
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < seen; t++) {
                    float a = 0;
                    for (int j = 0; j < hd; j++) a = Math.fma(cache.key(layer, t, kvh * hd + j), qf[j], a);
                    s[t] = a * scale;
                    max = Math.max(max, s[t]);
                }
                float inv = (float) (1.0 / VectorOps.expSum(s, 0, seen, max));
                for (int t = 0; t < seen; t++) s[t] *= inv;
                for (int x = 0; x < hd; x++) {
                    float acc = 0;
                    for (int t = 0; t < seen; t++) acc = Math.fma(s[t], cache.value(layer, t, kvh * hd + x), acc);
                    float got = out[i * heads * hd + h * hd + x];
                    String where = "query " + i + " head " + h + " element " + x;
                    if (zeroQuery && threads == 1) {
                        // a prefill row's padding adds zeros: the same float, its zero's sign aside
                        if (n == 1) assertEquals(Float.floatToRawIntBits(acc), Float.floatToRawIntBits(got), where + ": " + acc + " vs " + got);
                        else assertEquals(acc, got, 0f, where);
                    } else {
                        assertEquals(acc, got, 2e-6f, where);
                    }
                }
            }
    }

    /**
     * key()/value() give ggml's Q4_0 blocks of what was stored, at every position of every layer and
     * across pages, for keys (element-major: slots share bytes) and values (position-major), and
     * the tiles read the same; memory is still 18 bytes per 32 elements.
     */
    @Test
    void storesGgmlQ4Blocks() {
        int hd = 64, kvHeads = 2, layers = 2, n = 3 * KvCache.PAGE + 5;
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, 4 * hd, layers, 4, kvHeads, hd, hd, 64, 4096, 1e-6f, 1e6f, true);
        KvCache cache = new KvCache(c, n, KvCacheType.Q4_0);
        Random rnd = new Random(5);
        float[][][] keys = new float[layers][n][c.kvDim()], values = new float[layers][n][c.vDim()];
        for (int pos = 0; pos < n; pos++)
            for (int l = 0; l < layers; l++) {
                for (int i = 0; i < c.kvDim(); i++) keys[l][pos][i] = (float) rnd.nextGaussian();
                for (int i = 0; i < c.vDim(); i++) values[l][pos][i] = (float) rnd.nextGaussian() * (1 + i % 7);
                cache.store(l, pos, keys[l][pos], 0, values[l][pos], 0);
            }
        cache.length = n;
        float[] tile = new float[hd * KvCache.PAGE];
        for (int l = 0; l < layers; l++)
            for (int pos = 0; pos < n; pos++) {
                float[] kq = q4(keys[l][pos]), vq = q4(values[l][pos]);
                for (int i = 0; i < c.kvDim(); i++)
                    assertEquals(Float.floatToRawIntBits(kq[i]), Float.floatToRawIntBits(cache.key(l, pos, i)), "key " + i + " of layer " + l + " at " + pos);
                for (int i = 0; i < c.vDim(); i++)
                    assertEquals(Float.floatToRawIntBits(vq[i]), Float.floatToRawIntBits(cache.value(l, pos, i)), "value " + i + " of layer " + l + " at " + pos);
                int page = pos / KvCache.PAGE, slot = pos % KvCache.PAGE;
                for (int head = 0; head < kvHeads; head++) {
                    float[] kt = cache.keyTile(l, page, head * hd, hd, slot + 1, tile);
                    for (int j = 0; j < hd; j++) assertEquals(kq[head * hd + j], kt[j * KvCache.PAGE + slot], "key tile, layer " + l + " at " + pos);
                    float[] vt = cache.valueTile(l, page, head * hd, hd, slot + 1, tile);
                    for (int j = 0; j < hd; j++) assertEquals(vq[head * hd + j], vt[slot * hd + j], "value tile, layer " + l + " at " + pos);
                }
            }
        long perPosition = (long) layers * (c.kvDim() + c.vDim()) / 32 * 18;
        assertEquals(n * perPosition, cache.bytesUsed());
        assertEquals(4 * KvCache.PAGE * perPosition, cache.bytesReserved());
    }

    /** x through ggml's quantize_row_q4_0_ref and back: d = max/−8 (max the element of largest magnitude) as F16, quants min(15, trunc(x/d + 8.5)) − 8. */
    private static float[] q4(float[] x) {
        float[] out = new float[x.length];
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0, max = 0;
            for (int j = 0; j < 32; j++)
                if (amax < Math.abs(x[b + j])) {
                    amax = Math.abs(x[b + j]);
                    max = x[b + j];
                }
            float d = max / -8, id = d != 0 ? 1 / d : 0, dh = Float.float16ToFloat(Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) out[b + j] = (Math.min(15, (int) (x[b + j] * id + 8.5f)) - 8) * dh;
        }
        return out;
    }
}
