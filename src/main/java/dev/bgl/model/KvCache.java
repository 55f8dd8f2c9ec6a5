package dev.bgl.model;

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
 * elements, with no horizontal sum per position ({@link TiledAttention} reads them).
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
     * The keys of one KV head (elements {@code [off, off+hd)} of each row) on {@code page}, as
     * floats laid out {@code [element][PAGE]}: an F32 page itself (the head's block starts at
     * {@code off · PAGE}), an F16 page's block widened into {@code tile} (starting at 0). The
     * widening is one contiguous loop of half-to-float conversions, which C2 turns into vector
     * conversions.
     */
    float[] keyTile(int layer, int page, int off, int hd, float[] tile) {
        if (!f16) return k32[layer][page];
        short[] kp = k16[layer][page];
        for (int x = 0, src = off * PAGE; x < hd * PAGE; x++) tile[x] = Float.float16ToFloat(kp[src + x]);
        return tile;
    }

    /**
     * The values of one KV head (elements {@code [off, off+vhd)} of each row) at the first
     * {@code m} slots of {@code page}, position-major: an F32 page itself (slot t's at
     * {@code t · vDim + off}), an F16 page's block widened into {@code tile} (slot t's at
     * {@code t · vhd}).
     */
    float[] valueTile(int layer, int page, int off, int vhd, int m, float[] tile) {
        if (!f16) return v32[layer][page];
        short[] vp = v16[layer][page];
        for (int slot = 0; slot < m; slot++)
            for (int j = 0, src = slot * vDim + off, dst = slot * vhd; j < vhd; j++) tile[dst + j] = Float.float16ToFloat(vp[src + j]);
        return tile;
    }

    /** Key element {@code i} at {@code pos} as stored (after rounding), for tests and reference paths. */
    float key(int layer, int pos, int i) {
        int page = pos >>> PAGE_SHIFT, slot = pos & PAGE_MASK;
        return f16 ? Float.float16ToFloat(k16[layer][page][i * PAGE + slot]) : k32[layer][page][i * PAGE + slot];
    }

    /** Value element {@code i} at {@code pos} as stored. */
    float value(int layer, int pos, int i) {
        int page = pos >>> PAGE_SHIFT, slot = pos & PAGE_MASK;
        return f16 ? Float.float16ToFloat(v16[layer][page][slot * vDim + i]) : v32[layer][page][slot * vDim + i];
    }
}
