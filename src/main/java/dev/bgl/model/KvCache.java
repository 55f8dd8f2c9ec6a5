package dev.bgl.model;

import dev.bgl.tensor.VectorOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Keys and values of every layer for the tokens a session has seen. Stored in pages of
 * {@link #PAGE} positions that are allocated as the context fills, so a session with a 32k
 * context that has used 300 tokens holds memory for 320, not 32k (Java zeroes every array it
 * allocates, so reserving the whole context up front would make it resident at once).
 *
 * <p>With {@code f16} the values are stored as IEEE half floats (two bytes each), as llama.cpp's
 * default cache stores them; otherwise as floats. Within a page, values are position-major
 * ({@code page[(pos % PAGE) * vDim + i]}) and keys element-major ({@code page[i * PAGE + pos % PAGE]}):
 * a query's scores against 16 positions are then 16 lanes of plain FMAs over the head's
 * elements, with no horizontal sum per position.
 */
public final class KvCache {
    /** Float lanes, capped at 16 so that a page (64 positions) holds whole vectors. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    static final int PAGE_SHIFT = 6;
    /** Positions per page: small enough that a short chat wastes little, large enough that lookups are rare. */
    public static final int PAGE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE - 1;

    private final short[][][] k16, v16; // [layer][page][PAGE * dim], when f16
    private final float[][][] k32, v32; // the same, when not
    final int capacity;
    final int kvDim;
    final int vDim;
    final boolean f16;
    private final int layers;
    private int pagesAllocated;
    int length;

    KvCache(ModelConfig c, int capacity, boolean f16) {
        this.capacity = capacity;
        this.kvDim = c.kvDim();
        this.vDim = c.vDim();
        this.f16 = f16;
        this.layers = c.layers();
        int pages = (capacity + PAGE - 1) >>> PAGE_SHIFT;
        this.k16 = f16 ? new short[layers][pages][] : null;
        this.v16 = f16 ? new short[layers][pages][] : null;
        this.k32 = f16 ? null : new float[layers][pages][];
        this.v32 = f16 ? null : new float[layers][pages][];
    }

    /** Tokens held. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Forgets everything from position {@code n} on (to rewind or reuse a prompt prefix). Pages stay allocated for reuse. */
    public void truncate(int n) {
        if (n < 0 || n > length) throw new IllegalArgumentException("truncate to " + n + " of " + length);
        length = n;
    }

    /** Bytes the cache holds for the tokens in it. */
    public long bytesUsed() {
        return (long) length * layers * (kvDim + vDim) * (f16 ? 2 : 4);
    }

    /** Bytes allocated: whole pages up to the furthest position written so far. */
    public long bytesReserved() {
        return (long) pagesAllocated * PAGE * layers * (kvDim + vDim) * (f16 ? 2 : 4);
    }

    /** Stores the key and value rows of {@code layer} at {@code pos}, allocating the page on first use. */
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int page = pos >>> PAGE_SHIFT, slot = pos & PAGE_MASK;
        if (f16) {
            short[] kp = k16[layer][page], vp = v16[layer][page];
            if (kp == null) {
                kp = k16[layer][page] = new short[PAGE * kvDim];
                vp = v16[layer][page] = new short[PAGE * vDim];
                pagesAllocated = Math.max(pagesAllocated, page + 1);
            }
            for (int i = 0; i < kvDim; i++) kp[i * PAGE + slot] = Float.floatToFloat16(k[kOff + i]);
            for (int i = 0, o = slot * vDim; i < vDim; i++) vp[o + i] = Float.floatToFloat16(v[vOff + i]);
        } else {
            float[] kp = k32[layer][page], vp = v32[layer][page];
            if (kp == null) {
                kp = k32[layer][page] = new float[PAGE * kvDim];
                vp = v32[layer][page] = new float[PAGE * vDim];
                pagesAllocated = Math.max(pagesAllocated, page + 1);
            }
            for (int i = 0; i < kvDim; i++) kp[i * PAGE + slot] = k[kOff + i];
            System.arraycopy(v, vOff, vp, slot * vDim, vDim);
        }
    }

    /**
     * {@code sc[t] = scale · q[qOff..qOff+hd) · key(t)} for every position {@code t < len}, the
     * keys being elements {@code [off, off+hd)} of each row (one KV head). An F16 page's block of
     * the head is widened into {@code tile} ({@code hd × PAGE} floats) first.
     */
    void scores(int layer, int off, int hd, float[] q, int qOff, int len, float scale, float[] sc, float[] tile) {
        for (int page = 0, t0 = 0; t0 < len; page++, t0 += PAGE) {
            int m = Math.min(PAGE, len - t0);
            float[] keys;
            int base;
            if (f16) {
                short[] kp = k16[layer][page];
                for (int j = 0, src = off * PAGE; j < hd; j++, src += PAGE) // the filled slots only: a new page has few
                    for (int slot = 0; slot < m; slot++) tile[j * PAGE + slot] = Float.float16ToFloat(kp[src + slot]);
                keys = tile;
                base = 0;
            } else {
                keys = k32[layer][page];
                base = off * PAGE;
            }
            int s = 0;
            for (; s + LANES <= m; s += LANES) {
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < hd; j++)
                    acc = FloatVector.fromArray(F, keys, base + j * PAGE + s).fma(FloatVector.broadcast(F, q[qOff + j]), acc);
                acc.mul(scale).intoArray(sc, t0 + s);
            }
            for (; s < m; s++) {
                float d = 0;
                for (int j = 0; j < hd; j++) d = Math.fma(keys[base + j * PAGE + s], q[qOff + j], d);
                sc[t0 + s] = d * scale;
            }
        }
    }

    /**
     * {@code out[outOff..outOff+vhd) += Σ_{t < len} w[t] · value(t)}, the values being elements
     * {@code [off, off+vhd)} of each row (one KV head). An F16 page's block of the head is widened
     * into {@code tile} ({@code vhd × PAGE} floats) first; each position is then one vector
     * multiply-add into {@code out}.
     */
    void addValues(int layer, int off, int vhd, float[] w, int len, float[] out, int outOff, float[] tile) {
        for (int page = 0, t0 = 0; t0 < len; page++, t0 += PAGE) {
            int m = Math.min(PAGE, len - t0);
            float[] vals;
            int base, stride;
            if (f16) {
                short[] vp = v16[layer][page];
                for (int slot = 0; slot < m; slot++)
                    for (int j = 0, src = slot * vDim + off, dst = slot * vhd; j < vhd; j++) tile[dst + j] = Float.float16ToFloat(vp[src + j]);
                vals = tile;
                base = 0;
                stride = vhd;
            } else {
                vals = v32[layer][page];
                base = off;
                stride = vDim;
            }
            for (int slot = 0; slot < m; slot++) VectorOps.scaledAdd(out, outOff, w[t0 + slot], vals, base + slot * stride, vhd);
        }
    }
}
