package dev.bgl.model;

/**
 * Keys and values of every layer for the tokens a session has seen. Stored in pages of
 * {@link #PAGE} positions that are allocated as the context fills, so a session with a 32k
 * context that has used 300 tokens holds memory for 320, not 32k (Java zeroes every array it
 * allocates, so reserving the whole context up front would make it resident at once).
 *
 * <p>With {@code f16} the values are stored as IEEE half floats (two bytes each), as llama.cpp's
 * default cache stores them; otherwise as floats. Within a page, values are position-major
 * ({@code page[(pos % PAGE) * vDim + i]}; an F16 or quantised page head by head, see {@link #valueIndex}) and keys element-major ({@code page[i * PAGE + pos % PAGE]}):
 * a query's scores against 16 positions are then 16 lanes of plain FMAs over the head's
 * elements, with no horizontal sum per position ({@link TiledAttention} reads them).
 *
 * <p>An F16 or Q8_0 page cuts each head's block further, into the runs one pass of the
 * attention's kernels reads ({@link #RUN}: four vectors of its lanes): keys in runs of RUN
 * positions ({@link #runKeyIndex}), values in runs of RUN elements ({@link #runValueIndex}). A
 * pass then reads one contiguous stretch of memory. Element-major over the whole page (128-byte rows of
 * which a pass of 32 positions read half) and position-major over the whole head (256-byte rows
 * of which a pass of 32 elements read a quarter), a decode step's attention streamed the cache at
 * 9-11 GB/s on one AVX2 core, against 13-15 GB/s in runs (a standalone harness over 500 MB of
 * pages). With 16 lanes (AVX-512) a key run is the whole page, the layout of before.
 *
 * <p>With {@code q8_0} each row is quantised in blocks of 32 as ggml's x86 quantize_row_q8_0 does
 * for llama.cpp's {@code --cache-type-k/-v q8_0} (scale amax/127 kept as F16, quants
 * rint(x·127/amax)): int8 quants in the same layouts as above, and each block's F16 scale beside
 * them ({@code [block][PAGE]} for keys, one per value block, in the values' order), 34 bytes per 32 elements
 * as llama.cpp counts them. {@code q4_0} is the same with ggml's Q4_0 blocks (quants 0..15 from
 * x/d + 8.5 truncated, d = −(the element of largest magnitude)/8 as F16; two quants a byte: 18
 * bytes per 32 elements). A Q4_0 page packs each run of 32 quants (in the orders above) as ggml
 * packs a block: byte j of the run's 16 holds quant j in its low nibble and quant j + 16 in its
 * high one, each less 8 as a signed nibble ({@link #put}). A key row of 64 slots is then two
 * runs: slots 0..15 and 16..31 in the nibbles of its first 16 bytes, 32..47 and 48..63 in the
 * next 16; so 16 contiguous bytes, widened to ints, give 16 consecutive slots (or value
 * elements) by two shifts and the 16 after them by one ({@link TiledAttention#nibbles}). Packed
 * element after element, adjacent slots shared a byte, and the attention unpacked them one at a
 * time.
 *
 * <p>A sliding-window layer (gpt-oss's even layers) holds only the pages its queries can still see:
 * after each chunk's attention the forward pass {@linkplain #releaseBefore releases} the pages
 * wholly before the window of that chunk's first query, so at a long context such a layer holds at
 * most its window, two chunks ({@link Transformer#MAX_CHUNK}) and two pages of positions
 * ({@link #heldPositionsBound}), not the whole context, as llama.cpp keeps a cache of about the
 * window's size for its SWA layers.
 */
public final class KvCache {
    static final int PAGE_SHIFT = 6;
    /** Positions per page: small enough that a short chat wastes little, large enough that lookups are rare. */
    public static final int PAGE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE - 1;
    /**
     * Positions of a key run and elements of a value run in an F16 or Q8_0 page: the four vectors of
     * lanes that {@link TiledAttention}'s kernels take per pass (its lanes: the preferred float
     * shape, capped at 16), at most a page, at least a Q8_0 block of 32 (with 4 lanes, two passes).
     */
    static final int RUN = Math.min(PAGE, Math.max(32, 4 * Math.min(16, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length())));

    private final short[][][] k16, v16; // [layer][page][PAGE * dim], when f16
    private final float[][][] k32, v32; // the same, when f32
    private final byte[][][] k8, v8;    // the same, when q8_0: quants; when q4_0: two quants a byte (see put)
    private final short[][][] ks, vs;   // and their blocks' F16 scales, [layer][page][PAGE * dim / 32]
    /** [layer][page]: an F16 page that holds an infinity or NaN somewhere, which {@link #keyPage16} and {@link #valuePage16} do not hand out. */
    private final boolean[][] nonFinite;
    final int capacity;
    final int kvDim;
    final int vDim;
    /** Elements per value head: an F16 or quantised page holds each head's values in one block ({@link #valueIndex}, {@link #runValueIndex}). */
    final int vhd;
    /** Elements per key head. */
    final int khd;
    final KvCacheType type;
    /** F16 elements: the attention rounds its operands to F16 as ggml does. */
    final boolean f16;
    private final int layers;
    /** Each layer's attention window in positions (0: it sees every key), and the bytes of one position's key and value rows. */
    private final int[] window;
    private final long layerBytesPerPosition;
    /** [layer]: pages allocated now, and pages released below (pages before it are null and not read again). */
    private final int[] pagesHeld, releasedBelow;
    int length;

    KvCache(ModelConfig c, int capacity, boolean f16) {
        this(c, capacity, f16 ? KvCacheType.F16 : KvCacheType.F32);
    }

    KvCache(ModelConfig c, int capacity, KvCacheType type) {
        this.capacity = capacity;
        this.kvDim = c.kvDim();
        this.vDim = c.vDim();
        this.vhd = c.valueHeadDim();
        this.khd = c.headDim();
        this.type = type;
        this.f16 = type == KvCacheType.F16;
        this.layers = c.layers();
        this.window = new int[layers];
        for (int l = 0; l < layers; l++) window[l] = c.windowOf(l);
        this.layerBytesPerPosition = type.rowBytes(kvDim) + type.rowBytes(vDim);
        this.pagesHeld = new int[layers];
        this.releasedBelow = new int[layers];
        this.q4 = type == KvCacheType.Q4_0;
        boolean q8 = type == KvCacheType.Q8_0 || q4;
        this.quantized = q8;
        if (q8 && (kvDim % QK != 0 || vDim % QK != 0 || c.headDim() % QK != 0 || c.valueHeadDim() % QK != 0))
            throw new dev.bgl.util.BglException("--kv-type " + type.label() + " needs key and value rows and the head sizes in multiples of 32 (its block), got keys "
                    + kvDim + ", values " + vDim + ", head size " + c.headDim() + ", value head size " + c.valueHeadDim());
        int pages = (capacity + PAGE - 1) >>> PAGE_SHIFT;
        this.k16 = f16 ? new short[layers][pages][] : null;
        this.v16 = f16 ? new short[layers][pages][] : null;
        this.k32 = type == KvCacheType.F32 ? new float[layers][pages][] : null;
        this.v32 = type == KvCacheType.F32 ? new float[layers][pages][] : null;
        this.k8 = q8 ? new byte[layers][pages][] : null;
        this.v8 = q8 ? new byte[layers][pages][] : null;
        this.ks = q8 ? new short[layers][pages][] : null;
        this.vs = q8 ? new short[layers][pages][] : null;
        this.nonFinite = f16 ? new boolean[layers][pages] : null;
    }

    /** Q8_0 or Q4_0 blocks; Q4_0 ones. */
    private final boolean quantized, q4;
    private final byte[] block = new byte[QK]; // one block's quants on their way into a page

    /** Elements per Q8_0 block. */
    static final int QK = 32;

    /** Tokens held. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Forgets everything from position {@code n} on (to rewind or reuse a prompt prefix). Pages stay
     * allocated for reuse. A sliding-window layer that has released the positions the query at
     * {@code n} would see cannot go back there (only to 0: {@link #canTruncate}); a BglException says so.
     */
    public void truncate(int n) {
        if (n < 0 || n > length) throw new IllegalArgumentException("truncate to " + n + " of " + length);
        int l = layerMissing(n);
        if (l >= 0)
            throw new dev.bgl.util.BglException("cannot rewind the KV cache to " + n + " tokens: layer " + l + " attends within "
                    + window[l] + " positions and has released those before " + (releasedBelow[l] << PAGE_SHIFT));
        if (n == 0) java.util.Arrays.fill(releasedBelow, 0); // every page is written again before it is read
        length = n;
    }

    /** Whether {@link #truncate}{@code (n)} can keep what the query at {@code n} sees. */
    public boolean canTruncate(int n) {
        return n >= 0 && n <= length && layerMissing(n) < 0;
    }

    /** A sliding-window layer that released positions the query at {@code n} would see, or −1. */
    private int layerMissing(int n) {
        if (n == 0) return -1;
        for (int l = 0; l < layers; l++)
            if (window[l] > 0 && releasedBelow[l] > Math.max(0, n + 1 - window[l]) >>> PAGE_SHIFT) return l;
        return -1;
    }

    /** Positions {@code layer} holds for the next token of a context of {@code tokens}: all of them, or its window. */
    static long heldPositions(int window, long tokens) {
        return window > 0 ? Math.min(tokens, window) : tokens;
    }

    /**
     * The most positions {@code layer} holds at a context of {@code tokens}: all of them, or on a
     * sliding-window layer its window, the chunk beyond it that is released only after the next
     * chunk's attention, and the two pages at its ends that also hold positions outside it.
     */
    static long heldPositionsBound(int window, long tokens) {
        return window > 0 ? Math.min(tokens, (long) window + 2L * Transformer.MAX_CHUNK + 2L * PAGE) : tokens;
    }

    /** Bytes the cache holds for the tokens in it: every position on a full layer, the window's on a sliding-window layer. */
    public long bytesUsed() {
        long positions = 0;
        for (int l = 0; l < layers; l++) positions += heldPositions(window[l], length);
        return positions * layerBytesPerPosition;
    }

    /** Bytes allocated: the whole pages each layer holds now. */
    public long bytesReserved() {
        long pages = 0;
        for (int l = 0; l < layers; l++) pages += pagesHeld[l];
        return pages * PAGE * layerBytesPerPosition;
    }

    /**
     * Releases {@code layer}'s pages that hold only positions before {@code from}: the forward pass
     * calls this for a sliding-window layer with the first position the chunk's first query saw, so
     * the pages no later query reads go back to the heap. Pages are released once; a page written
     * again (after a rewind to 0) is allocated again.
     */
    void releaseBefore(int layer, int from) {
        int below = Math.max(0, from) >>> PAGE_SHIFT;
        for (int page = releasedBelow[layer]; page < below; page++) {
            boolean held;
            if (quantized) {
                held = k8[layer][page] != null;
                k8[layer][page] = v8[layer][page] = null;
                ks[layer][page] = vs[layer][page] = null;
            } else if (f16) {
                held = k16[layer][page] != null;
                k16[layer][page] = v16[layer][page] = null;
                nonFinite[layer][page] = false;
            } else {
                held = k32[layer][page] != null;
                k32[layer][page] = v32[layer][page] = null;
            }
            if (held) pagesHeld[layer]--;
        }
        releasedBelow[layer] = Math.max(releasedBelow[layer], below);
    }

    /** Stores the key and value rows of {@code layer} at {@code pos}, allocating the page on first use. */
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int page = pos >>> PAGE_SHIFT, slot = pos & PAGE_MASK;
        if (quantized) {
            byte[] kp = k8[layer][page], vp = v8[layer][page];
            if (kp == null) {
                kp = k8[layer][page] = new byte[q4 ? PAGE * kvDim / 2 : PAGE * kvDim];
                vp = v8[layer][page] = new byte[q4 ? PAGE * vDim / 2 : PAGE * vDim];
                ks[layer][page] = new short[PAGE * kvDim / QK];
                vs[layer][page] = new short[PAGE * vDim / QK];
                pagesHeld[layer]++;
            }
            short[] kScale = ks[layer][page], vScale = vs[layer][page];
            for (int b = 0, step = q4 ? PAGE : RUN; b < kvDim / QK; b++) { // a block lies in one head: its elements step evenly
                kScale[b * PAGE + slot] = q4 ? quantizeQ4(k, kOff + b * QK, block) : quantizeBlock(k, kOff + b * QK, block);
                for (int j = 0, o = keyIndex(b * QK, slot); j < QK; j++, o += step) put(kp, o, block[j]);
            }
            for (int b = 0; b < vDim / QK; b++) {
                int o = quantValueIndex(slot, b * QK);
                vScale[o / QK] = q4 ? quantizeQ4(v, vOff + b * QK, block) : quantizeBlock(v, vOff + b * QK, block);
                for (int j = 0; j < QK; j++) put(vp, o + j, block[j]);
            }
        } else if (f16) {
            short[] kp = k16[layer][page], vp = v16[layer][page];
            if (kp == null) {
                kp = k16[layer][page] = new short[PAGE * kvDim];
                vp = v16[layer][page] = new short[PAGE * vDim];
                pagesHeld[layer]++;
            }
            // head by head and run by run, as runKeyIndex and runValueIndex lay them out, without
            // their two divisions per element (a 4k prompt's rows: 0.34 s, against 0.50 s before the runs)
            for (int h = 0, i = 0; h < kvDim / khd; h++)
                for (int j = 0, o = runKeyIndex(i, slot); j < khd; j++, i++, o += RUN) kp[o] = Float.floatToFloat16(k[kOff + i]);
            for (int i = 0; i < vDim; ) {
                int o = runValueIndex(slot, i), width = Math.min(RUN, vhd - i % vhd);
                for (int e = 0; e < width; e++, i++) vp[o + e] = Float.floatToFloat16(v[vOff + i]);
            }
            // |x| < 65504 cannot round to an infinity: the strided look at the stored keys (a cache
            // line per element, ~1% of a short-context decode step) only when an input is that large or NaN
            if (!nonFinite[layer][page] && !(Math.max(maxAbs(k, kOff, kvDim), maxAbs(v, vOff, vDim)) < 65504f))
                nonFinite[layer][page] = hasNonFinite(kp, slot, vp);
        } else {
            float[] kp = k32[layer][page], vp = v32[layer][page];
            if (kp == null) {
                kp = k32[layer][page] = new float[PAGE * kvDim];
                vp = v32[layer][page] = new float[PAGE * vDim];
                pagesHeld[layer]++;
            }
            for (int i = 0; i < kvDim; i++) kp[i * PAGE + slot] = k[kOff + i];
            System.arraycopy(v, vOff, vp, slot * vDim, vDim);
        }
    }

    /**
     * One Q8_0 block of {@code x[off..off+32)} into {@code q}, as ggml's x86
     * quantize_row_q8_0: d = amax/127, quants rint(x · 127/amax) (127/amax, not 1/d, and half to
     * even); returns d's F16 bits.
     */
    private static short quantizeBlock(float[] x, int off, byte[] q) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        float id = amax != 0 ? 127f / amax : 0f;
        for (int j = 0; j < QK; j++) q[j] = (byte) (int) Math.rint(x[off + j] * id);
        return Float.floatToFloat16(amax / 127f);
    }

    /**
     * One Q4_0 block as ggml's quantize_row_q4_0_ref (the CPU path for a Q4_0 cache): d = max/−8
     * with max the element of largest magnitude, quants min(15, trunc(x/d + 8.5)) less 8 into
     * {@code q}; returns d's F16 bits.
     */
    private static short quantizeQ4(float[] x, int off, byte[] q) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK; j++) {
            float v = x[off + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8, id = d != 0 ? 1f / d : 0f;
        for (int j = 0; j < QK; j++) q[j] = (byte) (Math.min(15, (int) (x[off + j] * id + 8.5f)) - 8);
        return Float.floatToFloat16(d);
    }

    /**
     * Stores quant {@code v} as element {@code e} of a page: a byte, or for Q4_0 a nibble
     * ({@code v} is −8..7, two's complement in 4 bits) of the run of 32 that {@code e} is in, as a
     * ggml block packs them: elements j and j + 16 of the run share its byte j, j in the low nibble.
     */
    private void put(byte[] page, int e, byte v) {
        if (!q4) page[e] = v;
        else {
            int b = nibbleByte(e), shift = nibbleShift(e);
            page[b] = (byte) ((page[b] & ~(15 << shift)) | ((v & 15) << shift));
        }
    }

    /** Element {@code e}'s quant, as {@link #put} stored it. */
    private int get(byte[] page, int e) {
        return q4 ? (page[nibbleByte(e)] << (28 - nibbleShift(e))) >> 28 : page[e];
    }

    /** The byte of a Q4_0 page that holds element {@code e}: its run's 16 bytes, then e's place in the run's half. */
    private static int nibbleByte(int e) {
        return (e >>> 5 << 4) | (e & 15);
    }

    /** Where element {@code e}'s nibble lies in its byte: 0 (low) for the first 16 of its run of 32, 4 (high) for the last 16. */
    private static int nibbleShift(int e) {
        return (e & 16) >>> 2;
    }

    /**
     * The keys of one KV head (elements {@code [off, off+hd)} of each row) on {@code page}, as
     * floats laid out {@code [element][PAGE]}: an F32 page itself (the head's block starts at
     * {@code off · PAGE}), an F16 or quantised page's block widened into {@code tile} (starting at
     * 0), its first {@code m} slots only (the last page of a short context holds few). The
     * attention reads F16 pages this way only when they hold an infinity or NaN.
     */
    float[] keyTile(int layer, int page, int off, int hd, int m, float[] tile) {
        if (type == KvCacheType.F32) return k32[layer][page];
        if (quantized) {
            byte[] kq = k8[layer][page];
            short[] sc = ks[layer][page];
            for (int j = 0; j < hd; j++)
                for (int s = 0, so = (off + j) / QK * PAGE, dst = j * PAGE; s < m; s++)
                    tile[dst + s] = get(kq, keyIndex(off + j, s)) * Float.float16ToFloat(sc[so + s]);
            return tile;
        }
        short[] kp = k16[layer][page];
        for (int j = 0; j < hd; j++)
            for (int s = 0, dst = j * PAGE; s < m; s++) tile[dst + s] = Float.float16ToFloat(kp[runKeyIndex(off + j, s)]);
        return tile;
    }

    /** The largest magnitude of {@code x[off..off+n)}, NaN if one is NaN. */
    private static float maxAbs(float[] x, int off, int n) {
        float m = 0;
        for (int i = 0; i < n; i++) m = Math.max(m, Math.abs(x[off + i]));
        return m;
    }

    /** Whether this slot's stored keys or values hold an infinity or NaN (F16 exponent all ones). */
    private boolean hasNonFinite(short[] kp, int slot, short[] vp) {
        for (int i = 0; i < kvDim; i++) if ((kp[runKeyIndex(i, slot)] & 0x7c00) == 0x7c00) return true;
        for (int i = 0; i < vDim; i++) if ((vp[runValueIndex(slot, i)] & 0x7c00) == 0x7c00) return true;
        return false;
    }

    /**
     * An F16 page's keys as stored ({@link #runKeyIndex}), for a kernel that
     * widens them in registers; null when the cache is not F16 or the page holds an infinity or
     * NaN (such a kernel's widening is exact for finite halves only: read {@link #keyTile} then).
     */
    short[] keyPage16(int layer, int page) {
        return f16 && !nonFinite[layer][page] ? k16[layer][page] : null;
    }

    /** A Q8_0 page's key quants as stored ({@link #runKeyIndex}, scales in {@link #keyScales8}); null for other types. */
    byte[] keyPage8(int layer, int page) {
        return quantized && !q4 ? k8[layer][page] : null;
    }

    /**
     * A Q4_0 page's key quants as stored: the quants of element i's slots in bytes
     * {@code [i · PAGE/2, (i+1) · PAGE/2)}, slot s in byte {@code i · PAGE/2 + s / 32 · 16 + s % 16}, in
     * its low nibble for s % 32 < 16 and its high one above ({@link #put}); scales in
     * {@link #keyScales8}. Null for other types.
     */
    byte[] keyPage4(int layer, int page) {
        return q4 ? k8[layer][page] : null;
    }

    /**
     * A Q4_0 page's value quants as stored: the order of {@link #valueIndex}, each run of 32 in 16
     * bytes (byte j: quant j low, quant j + 16 high); scales in {@link #valueScales8}. Null for other types.
     */
    byte[] valuePage4(int layer, int page) {
        return q4 ? v8[layer][page] : null;
    }

    /** A Q8_0 or Q4_0 page's key scales (F16, {@code [i / 32 * PAGE + slot]}). */
    short[] keyScales8(int layer, int page) {
        return ks[layer][page];
    }

    /** A Q8_0 page's value quants as stored ({@link #runValueIndex}; scales in {@link #valueScales8}); null for other types. */
    byte[] valuePage8(int layer, int page) {
        return quantized && !q4 ? v8[layer][page] : null;
    }

    /** A Q8_0 or Q4_0 page's value scales (F16, the block of quant index q at {@code q / 32}). */
    short[] valueScales8(int layer, int page) {
        return vs[layer][page];
    }

    /**
     * An F16 page's values as stored ({@link #runValueIndex}: head-major, then in runs of
     * {@link #RUN} elements, position-major within a run); null as {@link #keyPage16}. A head's
     * values for the page are one stretch of memory: position-major over all heads, a head's
     * 256-byte rows lay 2 KB apart, and reading them that way took twice the time of the same
     * products over the keys even with the page in L3 (AttentionBench).
     */
    short[] valuePage16(int layer, int page) {
        return f16 && !nonFinite[layer][page] ? v16[layer][page] : null;
    }

    /**
     * The values of one KV head (elements {@code [off, off+headDim)} of each row) at the first
     * {@code m} slots of {@code page}, position-major: an F32 page itself (slot t's at
     * {@code t · vDim + off}), an F16 or Q8_0 page's block widened into {@code tile} (slot t's at
     * {@code t · headDim}). Q8_0 needs {@code off} and {@code headDim} in whole blocks.
     */
    float[] valueTile(int layer, int page, int off, int headDim, int m, float[] tile) {
        if (type == KvCacheType.F32) return v32[layer][page];
        if (quantized) {
            byte[] vq = v8[layer][page];
            short[] sc = vs[layer][page];
            for (int slot = 0; slot < m; slot++)
                for (int b = off / QK, dst = slot * headDim; b < (off + headDim) / QK; b++) {
                    int src = quantValueIndex(slot, b * QK);
                    float d = Float.float16ToFloat(sc[src / QK]);
                    if (q4) for (int j = 0; j < QK; j++) tile[dst++] = get(vq, src + j) * d;
                    else for (int j = 0; j < QK; j++) tile[dst++] = vq[src + j] * d;
                }
            return tile;
        }
        short[] vp = v16[layer][page];
        for (int slot = 0; slot < m; slot++)
            for (int j = 0, dst = slot * headDim; j < headDim; j++) tile[dst + j] = Float.float16ToFloat(vp[runValueIndex(slot, off + j)]);
        return tile;
    }

    /** Key element {@code i} at {@code pos} as stored (after rounding), for tests and reference paths. */
    float key(int layer, int pos, int i) {
        int page = pos >>> PAGE_SHIFT, slot = pos & PAGE_MASK;
        if (quantized) return get(k8[layer][page], keyIndex(i, slot)) * Float.float16ToFloat(ks[layer][page][i / QK * PAGE + slot]);
        return f16 ? Float.float16ToFloat(k16[layer][page][runKeyIndex(i, slot)]) : k32[layer][page][i * PAGE + slot];
    }

    /** Value element {@code i} at {@code pos} as stored. */
    float value(int layer, int pos, int i) {
        int page = pos >>> PAGE_SHIFT, slot = pos & PAGE_MASK;
        if (quantized) return get(v8[layer][page], quantValueIndex(slot, i)) * Float.float16ToFloat(vs[layer][page][quantValueIndex(slot, i) / QK]);
        return f16 ? Float.float16ToFloat(v16[layer][page][runValueIndex(slot, i)]) : v32[layer][page][slot * vDim + i];
    }

    /**
     * Where value element {@code i} of slot {@code slot} lies in a Q4_0 page: head-major, then
     * position-major (the block scale is at this index / 32: a head holds whole blocks).
     */
    private int valueIndex(int slot, int i) {
        return (i / vhd * PAGE + slot) * vhd + i % vhd;
    }

    /** Where key element {@code i} of slot {@code slot} lies in a quantised page: in runs for Q8_0, element-major over the page for Q4_0. */
    private int keyIndex(int i, int slot) {
        return q4 ? i * PAGE + slot : runKeyIndex(i, slot);
    }

    /** Where value element {@code i} of slot {@code slot} lies in a quantised page (its block's scale at this / 32): in runs for Q8_0, {@link #valueIndex} for Q4_0. */
    private int quantValueIndex(int slot, int i) {
        return q4 ? valueIndex(slot, i) : runValueIndex(slot, i);
    }

    /**
     * Where key element {@code i} of slot {@code slot} lies in an F16 or Q8_0 page: head-major (a head's
     * block starts at {@code head · khd · PAGE}), then runs of {@link #RUN} slots, each
     * element-major ({@code [element][RUN]}).
     */
    int runKeyIndex(int i, int slot) {
        return (i - i % khd) * PAGE + (slot - slot % RUN) * khd + i % khd * RUN + slot % RUN;
    }

    /**
     * Where value element {@code i} of slot {@code slot} lies in an F16 or Q8_0 page: head-major (a head's
     * block starts at {@code head · vhd · PAGE}), then runs of {@link #RUN} elements (the last
     * one narrower when vhd is not a multiple), each position-major ({@code [slot][width]}). In a
     * Q8_0 page runs and heads hold whole blocks of 32, so a block's quants are contiguous and
     * this index / 32 numbers the blocks, which is where their scales lie.
     */
    int runValueIndex(int slot, int i) {
        int e = i % vhd, x = e - e % RUN, width = Math.min(RUN, vhd - x);
        return (i - e) * PAGE + x * PAGE + slot * width + e - x;
    }
}
