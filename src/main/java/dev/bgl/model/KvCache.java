package dev.bgl.model;

import dev.bgl.tensor.VectorOps;

/**
 * Keys and values of every layer for the tokens a session has seen. Stored in pages of
 * {@link #PAGE} positions that are allocated as the context fills, so a session with a 32k
 * context that has used 300 tokens holds memory for 320, not 32k (Java zeroes every array it
 * allocates, so reserving the whole context up front would make it resident at once).
 *
 * <p>With {@code f16} the values are stored as IEEE half floats (two bytes each), as llama.cpp's
 * default cache stores them; otherwise as floats. Within a page, position-major:
 * {@code page[(pos % PAGE) * dim + i]}.
 */
public final class KvCache {
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
            for (int i = 0, o = slot * kvDim; i < kvDim; i++) kp[o + i] = Float.floatToFloat16(k[kOff + i]);
            for (int i = 0, o = slot * vDim; i < vDim; i++) vp[o + i] = Float.floatToFloat16(v[vOff + i]);
        } else {
            float[] kp = k32[layer][page], vp = v32[layer][page];
            if (kp == null) {
                kp = k32[layer][page] = new float[PAGE * kvDim];
                vp = v32[layer][page] = new float[PAGE * vDim];
                pagesAllocated = Math.max(pagesAllocated, page + 1);
            }
            System.arraycopy(k, kOff, kp, slot * kvDim, kvDim);
            System.arraycopy(v, vOff, vp, slot * vDim, vDim);
        }
    }

    /**
     * q[qOff..qOff+n) · key of {@code layer} at {@code pos}, elements {@code [off, off+n)} of the
     * row. An F16 row is first widened into {@code scratch} (a loop C2 turns into vcvtph2ps), then
     * both kinds take the vector dot product.
     */
    float dotKey(int layer, int pos, int off, float[] q, int qOff, int n, float[] scratch) {
        int base = (pos & PAGE_MASK) * kvDim + off;
        if (f16) {
            short[] kp = k16[layer][pos >>> PAGE_SHIFT];
            for (int j = 0; j < n; j++) scratch[j] = Float.float16ToFloat(kp[base + j]);
            return VectorOps.dot(q, qOff, scratch, 0, n);
        }
        return VectorOps.dot(q, qOff, k32[layer][pos >>> PAGE_SHIFT], base, n);
    }

    /** out[outOff..outOff+n) += p · value of {@code layer} at {@code pos}, elements {@code [off, off+n)} of the row. */
    void addValue(int layer, int pos, int off, float p, float[] out, int outOff, int n) {
        int base = (pos & PAGE_MASK) * vDim + off;
        if (f16) {
            short[] vp = v16[layer][pos >>> PAGE_SHIFT];
            for (int j = 0; j < n; j++) out[outOff + j] += p * Float.float16ToFloat(vp[base + j]);
        } else {
            VectorOps.scaledAdd(out, outOff, p, v32[layer][pos >>> PAGE_SHIFT], base, n);
        }
    }
}
