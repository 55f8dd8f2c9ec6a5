package dev.bgl.model;

import dev.bgl.tensor.Parallel;
import dev.bgl.tensor.VectorOps;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention of a chunk of queries over the KV cache, reading each KV head's keys and
 * values once for ALL the query heads of its group and ALL the chunk's queries. The cache is
 * walked in tiles of one page ({@link KvCache#PAGE} positions, keys widened from F16 into vector
 * lanes once per tile); a tile's scores for a block of up to {@link #ROW_BLOCK} query rows are
 * formed two rows per pass over the keys, and its values are added into the rows' outputs two rows
 * and four vectors at a time with the accumulators held in registers. Attention per query head
 * read the cache {@code group × chunk} times; at 4k tokens of context that traffic was the largest
 * part of a decode step.
 *
 * <p>F16 and Q8_0 pages are read as stored, widened in vector registers inside the products
 * ({@link #half}, {@link #dequant}) rather than into a float tile first; and a decode step takes
 * its heads page by page ({@link #attendHeads}). Both are about memory: at 4k tokens a decode
 * step's attention reads ~470 MB of F16 cache, and a widening pass into a tile, head after head,
 * streamed it at 6.5 GB/s on one core, against 14-15 GB/s then (AttentionBench, AVX-512), with
 * each head's values one stretch of the page ({@link KvCache#valuePage16}). Each pass of the
 * kernels now reads one contiguous run ({@link KvCache#RUN}); on AVX2, where a pass is half a
 * key row and a quarter of a value row, that took a decode step at 4k tokens from 8.9 to
 * 11.6 GB/s on one core. Q4_0 pages likewise
 * ({@link #nibbles}): read through tiles, one nibble and one F16 scale at a time, they made a
 * decode step at 4k tokens about 10x slower than Q8_0's, and now take about 0.8x its time (half
 * the bytes). Pages holding an infinity or NaN still go through tiles.
 *
 * <p>Why not flash attention's online softmax: ggml (llama.cpp without flash attention, the
 * reference of the conformance tests) rounds the NORMALISED weights to F16 before multiplying an
 * F16 value cache, which needs the sum before the first value is added. An online-softmax version
 * of this kernel, measured on the random conformance models, moved next-token probabilities 3–5×
 * further from llama.cpp's (qwen2 Q8_0: 1.6e-2, past the 1e-2 the tests allow; 5.4e-3 before). So
 * each row keeps its scores for the positions it sees (a few KB per row, grown with the context,
 * never per token) and the softmax is ggml's: maximum, e^(s − max) summed per vector in float and
 * across vectors in double, times float(1/sum). The scores are in cache between the two passes;
 * keys and values are still read once.
 *
 * <p>Threads split the KV heads; when a single query (decode) leaves threads idle, each head's
 * pages are split too (split-K): the splits' maxima, then their sums, are merged between passes
 * so that every weight is exactly the unsplit one, and the partial outputs are added at the end.
 *
 * <p>gpt-oss adds two things, both as ggml computes them: a sliding window (a query at p sees
 * keys p − window + 1 .. p; pages wholly before the window are not read), and one sink logit
 * per query head that joins the softmax's maximum and its sum but has no value (ggml's
 * soft_max with sinks: max = max(scores, sink), sum += e^(sink − max)).
 */
final class TiledAttention {
    /** Float lanes, capped at 16 so that a page (64 positions) holds whole vectors. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** L halves (F16 bits) and L ints: the lanes of {@link #half}. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /**
     * L int8 quants: a Q8_0 cache's lanes. With 4 lanes (128-bit vectors: NEON, SSE) that is 32
     * bits, under the smallest vector shape (64), so the species holds 8 and a load takes the first
     * L through {@link #FIRST_L} ({@link #quants}).
     */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    /** Whether {@link #B} holds more than L lanes. */
    private static final boolean WIDE_B = B.length() > L;
    private static final VectorMask<Byte> FIRST_L = B.indexInRange(0, L);
    /**
     * Where the four vectors of a Q4_0 kernel's group of 4L quants lie in the group: the low and
     * high nibbles of its first L bytes, then of its next L ({@link KvCache#keyPage4}: byte j of a
     * run of 32 holds quants j and j + 16). With 16 lanes the group is two runs (0, 16, 32, 48),
     * with 8 one (0, 16, 8, 24).
     */
    private static final int N0 = 0, N1 = 16, N2 = L / 16 * 32 + L % 16, N3 = N2 + 16;
    /** The Q4_0 kernels' groups hold whole runs of 32 and a page whole groups: 8 or 16 lanes (else tiles). */
    private static final boolean NIBBLES = L == 8 || L == 16;
    /** 2^112: takes a half's exponent (bias 15), placed in a float's exponent field (bias 127), to its value. */
    private static final float HALF_SCALE = 0x1p112f;
    private static final int PAGE = KvCache.PAGE;
    /**
     * The runs of an F16 or Q8_0 page ({@link KvCache#RUN}): the positions or elements of one pass
     * of the kernels (four vectors), or of two with 4 lanes, where a run still holds a Q8_0 block.
     */
    private static final int RUN = KvCache.RUN;
    /** Query rows (query × head of the group) that share one pass over a tile; bounds the score scratch to 16 rows. */
    static final int ROW_BLOCK = 16;
    /**
     * Blocks of at least this many rows read an F16 page through a float tile ({@link #widen});
     * fewer (decode: one query's group, up to 8 heads) widen in registers, where the page streams
     * from memory at the full rate.
     */
    private static final int WIDEN_ROWS = 9;
    /** Pages a decode split gets at least: with fewer, merging costs more than splitting saves. */
    private static final int MIN_SPLIT_PAGES = 4;
    private static final int SCORES = 1, EXP = 2, VALUES = 4, ALL = SCORES | EXP | VALUES;

    private final int hd, vhd, group, heads, kvHeads, qDim, vDim;
    private final float scale;
    private final int maxSplits;
    private final Item[] items; // [kvHead * maxSplits + split]
    private final Parallel.RangeBody body = this::runItems; // allocated once, not per call

    // the call in progress, read by the workers through body
    private KvCache cache;
    private int layer, pos0, n, splits, stride, phase, window, basePage;
    private float[] q, out, sinks;

    /** Scratch and partial results of one work item (one KV head, one split of its pages). */
    private static final class Item {
        final float[] kTile, vTile, qf, m, acc, kScale;
        final double[] l;
        float[] sc = new float[0]; // [row][stride]: scores, then weights; grown with the context

        Item(int hd, int vhd) {
            kTile = new float[hd * PAGE];
            vTile = new float[PAGE * vhd];
            qf = new float[ROW_BLOCK * hd];
            m = new float[ROW_BLOCK];
            l = new double[ROW_BLOCK];
            acc = new float[ROW_BLOCK * vhd];
            kScale = new float[(hd + KvCache.QK - 1) / KvCache.QK * PAGE];
        }
    }

    /**
     * Gets the attention kernels compiled by C2 before real work, as {@link dev.bgl.tensor.Kernels#warmUp}
     * does for the products: a decode step and a prefill block of an F16 and a Q8_0 cache on a
     * tiny model. A prefill of an F16 cache reads its pages through float tiles and a decode step
     * widens them in registers, so a long prompt no longer compiles the decode kernels: without
     * this, the first decode steps after it ran them in the Vector API's boxed fallback.
     */
    static void warmUp() {
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, 4 * 64, 1, 4, 2, 64, 64, 64, 4096, 1e-6f, 1e6f, true);
        int len = 3 * PAGE, chunk = 8;
        float[] k = new float[c.kvDim()], v = new float[c.vDim()], q = new float[chunk * c.qDim()], out = new float[chunk * c.heads() * 64];
        for (int i = 0; i < q.length; i++) q[i] = (float) Math.sin(0.3 * i);
        for (KvCacheType type : new KvCacheType[]{KvCacheType.F16, KvCacheType.Q8_0}) {
            KvCache cache = new KvCache(c, len, type);
            for (int pos = 0; pos < len; pos++) {
                for (int i = 0; i < k.length; i++) k[i] = (float) Math.cos(0.01 * pos + i);
                for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(0.02 * pos - i);
                cache.store(0, pos, k, 0, v, 0);
            }
            TiledAttention attention = new TiledAttention(c, 1);
            for (int it = 0; it < 3000; it++) {
                attention.run(cache, 0, len - 1, 1, q, out);
                if (it % 3 == 0) attention.run(cache, 0, len - chunk, chunk, q, out);
            }
        }
    }

    TiledAttention(ModelConfig c, int threads) {
        this.hd = c.headDim();
        this.vhd = c.valueHeadDim();
        this.heads = c.heads();
        this.kvHeads = c.kvHeads();
        this.group = heads / kvHeads;
        this.qDim = c.qDim();
        this.vDim = c.vDim();
        this.scale = (float) (1.0 / Math.sqrt(hd));
        // enough items per head that every thread has work when one query runs (split-K needs the
        // group in one row block)
        this.maxSplits = group <= ROW_BLOCK ? Math.max(1, (2 * threads + kvHeads - 1) / kvHeads) : 1;
        this.items = new Item[kvHeads * maxSplits];
        for (int i = 0; i < items.length; i++) items[i] = new Item(hd, vhd);
    }

    /**
     * {@code out[i·heads·vhd + h·vhd ..]} = attention of query head h of chunk token i (at position
     * {@code pos0 + i}, queries in {@code q[i·qDim + h·hd ..]}) over positions {@code 0..pos0+i}
     * of {@code layer}, whose keys and values are already stored.
     */
    void run(KvCache cache, int layer, int pos0, int n, float[] q, float[] out) {
        run(cache, layer, pos0, n, q, out, 0, null);
    }

    /**
     * As above, each query seeing only the last {@code window} positions (itself included; 0: all),
     * with {@code sinks[h]} (null: none) in query head h's softmax.
     */
    void run(KvCache cache, int layer, int pos0, int n, float[] q, float[] out, int window, float[] sinks) {
        this.window = window;
        this.sinks = sinks;
        this.cache = cache;
        this.layer = layer;
        this.pos0 = pos0;
        this.n = n;
        this.q = q;
        this.out = out;
        int pages = (pos0 + n + PAGE - 1) / PAGE;
        stride = pages * PAGE;
        basePage = first(0) / PAGE; // the chunk's first query sees the earliest position
        splits = n > 1 ? 1 : Math.max(1, Math.min(maxSplits, (pages - basePage) / MIN_SPLIT_PAGES));
        if (splits == 1) {
            phase = ALL;
            // decode: one run of heads per thread, so that each walks its heads page by page
            // (attendHeads); chunks of one head would bring back the head-by-head reads
            int grain = n == 1 ? (kvHeads + Parallel.threads() - 1) / Parallel.threads() : 1;
            Parallel.forRange(kvHeads, grain, body);
            return;
        }
        phase = SCORES;
        Parallel.forRange(kvHeads * splits, 1, body);
        for (int kvh = 0; kvh < kvHeads; kvh++)
            for (int g = 0; g < group; g++) {
                float m = sinks == null ? Float.NEGATIVE_INFINITY : sinks[kvh * group + g];
                for (int s = 0; s < splits; s++) m = Math.max(m, items[kvh * maxSplits + s].m[g]);
                for (int s = 0; s < splits; s++) items[kvh * maxSplits + s].m[g] = m;
            }
        phase = EXP;
        Parallel.forRange(kvHeads * splits, 1, body);
        for (int kvh = 0; kvh < kvHeads; kvh++)
            for (int g = 0; g < group; g++) {
                double sum = 0;
                for (int s = 0; s < splits; s++) sum += items[kvh * maxSplits + s].l[g];
                if (sinks != null) sum += (float) Math.exp(sinks[kvh * group + g] - items[kvh * maxSplits].m[g]);
                for (int s = 0; s < splits; s++) items[kvh * maxSplits + s].l[g] = sum;
            }
        phase = VALUES;
        Parallel.forRange(kvHeads * splits, 1, body);
        for (int kvh = 0; kvh < kvHeads; kvh++)
            for (int g = 0; g < group; g++) {
                int o = (kvh * group + g) * vhd;
                java.util.Arrays.fill(out, o, o + vhd, 0f);
                for (int s = 0; s < splits; s++) {
                    float[] acc = items[kvh * maxSplits + s].acc;
                    for (int x = 0; x < vhd; x++) out[o + x] += acc[g * vhd + x];
                }
            }
    }

    private void runItems(int from, int to) {
        if (n == 1 && splits == 1 && group <= ROW_BLOCK) {
            attendHeads(from, to);
            return;
        }
        int pages = stride / PAGE - basePage;
        for (int w = from; w < to; w++) {
            int kvh = w / splits, split = w % splits;
            Item it = item(kvh, split);
            int p0 = basePage + (int) ((long) pages * split / splits), p1 = basePage + (int) ((long) pages * (split + 1) / splits);
            for (int r0 = 0; r0 < n * group; r0 += ROW_BLOCK) attend(it, kvh, p0, p1, r0, Math.min(ROW_BLOCK, n * group - r0));
        }
    }

    /** Work item {@code (kvh, split)}, its score rows grown to the context. */
    private Item item(int kvh, int split) {
        Item it = items[kvh * maxSplits + split];
        if (it.sc.length < ROW_BLOCK * stride) it.sc = new float[ROW_BLOCK * (stride + stride / 2)]; // room to grow: reallocated rarely
        return it;
    }

    /**
     * One query (decode), unsplit: KV heads {@code [h0, h1)} together, a page at a time, every
     * head's slice of a page before the next page. The same operations in the same order per
     * head as {@link #attend}, so the same results; what changes is the memory traffic. A page
     * holds the keys (and values) of all KV heads, so head after head over all pages reads the
     * cache in 16 KB runs scattered over the context, page after page in runs of the whole page:
     * at 4k tokens of context one core streamed the cache at 6.5 GB/s the first way (the kernel
     * was bound by it), far below what it reads in long runs.
     */
    private void attendHeads(int h0, int h1) {
        int p1 = stride / PAGE, lowPage = Math.max(basePage, first(0) / PAGE);
        if ((phase & SCORES) != 0) {
            for (int h = h0; h < h1; h++) queries(item(h, 0), h, 0, group);
            for (int page = lowPage; page < p1; page++)
                for (int h = h0; h < h1; h++) if (!scorePage(items[h * maxSplits], h, page, 0, group)) break;
            for (int h = h0; h < h1; h++) maxima(items[h * maxSplits], h, basePage * PAGE, p1 * PAGE, 0, group);
        }
        if ((phase & EXP) != 0) for (int h = h0; h < h1; h++) exponentials(items[h * maxSplits], h, basePage * PAGE, p1 * PAGE, 0, group);
        if ((phase & VALUES) != 0) {
            for (int h = h0; h < h1; h++) weights(items[h * maxSplits], basePage * PAGE, p1 * PAGE, lowPage, 0, group);
            for (int page = lowPage; page < p1; page++)
                for (int h = h0; h < h1; h++) if (!valuePage(items[h * maxSplits], h, page, 0, group)) break;
            for (int h = h0; h < h1; h++) output(items[h * maxSplits], h, 0, group);
        }
    }

    /** Position past the last one that global row {@code row} (query {@code row / group}) sees. */
    private int seen(int row) {
        return pos0 + row / group + 1;
    }

    /** The first position that global row {@code row} sees: 0, or the start of its window. */
    private int first(int row) {
        return window <= 0 ? 0 : Math.max(0, seen(row) - window);
    }

    /** The passes of {@link #phase} for rows {@code [r0, r0+rows)} of KV head {@code kvh} over pages [p0, p1). */
    private void attend(Item it, int kvh, int p0, int p1, int r0, int rows) {
        int from = p0 * PAGE, to = p1 * PAGE;
        int lowPage = Math.max(p0, first(r0) / PAGE); // pages before the block's first row's window are not read
        if ((phase & SCORES) != 0) {
            queries(it, kvh, r0, rows);
            for (int page = lowPage; page < p1; page++) if (!scorePage(it, kvh, page, r0, rows)) break;
            maxima(it, kvh, from, to, r0, rows);
        }
        if ((phase & EXP) != 0) exponentials(it, kvh, from, to, r0, rows);
        if ((phase & VALUES) != 0) {
            weights(it, from, to, lowPage, r0, rows);
            for (int page = lowPage; page < p1; page++) if (!valuePage(it, kvh, page, r0, rows)) break;
            output(it, kvh, r0, rows);
        }
    }

    /** The rows' queries as the cache type multiplies them, into {@code it.qf}; the outputs cleared. */
    private void queries(Item it, int kvh, int r0, int rows) {
        boolean f16 = cache.f16, q8 = cache.type == KvCacheType.Q8_0 || cache.type == KvCacheType.Q4_0;
        for (int r = 0; r < rows; r++) {
            int row = r0 + r, src = row / group * qDim + (kvh * group + row % group) * hd;
            // ggml multiplies an F16 cache only with F16 operands, a Q8_0 or Q4_0 cache with Q8_0 ones
            if (q8) q8Round(q, src, it.qf, r * hd);
            else for (int j = 0; j < hd; j++) it.qf[r * hd + j] = f16 ? Float.float16ToFloat(Float.floatToFloat16(q[src + j])) : q[src + j];
        }
    }

    /** The rows' scores against the keys of one page; false past what the block's last row sees. */
    private boolean scorePage(Item it, int kvh, int page, int r0, int rows) {
        int t0 = page * PAGE;
        int valid = Math.min(PAGE, seen(r0 + rows - 1) - t0); // what the block's last row sees here
        if (valid <= 0) return false;
        int blocks = (valid + L - 1) / L * L; // whole vectors: slots past `valid` are computed and never read
        short[] halves = cache.keyPage16(layer, page);
        byte[] quants = halves == null ? cache.keyPage8(layer, page) : null;
        byte[] nibbles = NIBBLES && halves == null ? cache.keyPage4(layer, page) : null;
        // the pages themselves hold whole pages: their kernels go on to four whole vectors, never into their tails
        int wide = Math.min(PAGE, (blocks + 4 * L - 1) / (4 * L) * (4 * L));
        if (halves != null && rows >= WIDEN_ROWS) scoresWidened(it, halves, kvh * hd * PAGE, rows, t0, blocks);
        else if (halves != null) scores16(it, halves, kvh * hd * PAGE, rows, t0, wide);
        else if (quants != null) scores8(it, quants, cache.keyScales8(layer, page), kvh * hd, rows, t0, wide);
        else if (nibbles != null) scores4(it, nibbles, cache.keyScales8(layer, page), kvh * hd, rows, t0, wide);
        else scores(it, cache.keyTile(layer, page, kvh * hd, hd, blocks, it.kTile), cache.type != KvCacheType.F32 ? 0 : kvh * hd * PAGE, rows, t0, blocks);
        return true;
    }

    /** Each row's maximum score over positions [from, to) it sees (with its sink when unsplit). */
    private void maxima(Item it, int kvh, int from, int to, int r0, int rows) {
        float[] sc = it.sc;
        boolean ownSinks = sinks != null && splits == 1; // split items have the sinks merged by run()
        for (int r = 0; r < rows; r++) {
            int o = r * stride, end = Math.min(to, seen(r0 + r));
            float m = ownSinks ? sinks[head(kvh, r0 + r)] : Float.NEGATIVE_INFINITY;
            for (int t = Math.max(from, first(r0 + r)); t < end; t++) m = Math.max(m, sc[o + t]);
            it.m[r] = m;
        }
    }

    /** Scores to e^(s − max) in place, and each row's sum of them (with its sink when unsplit). */
    private void exponentials(Item it, int kvh, int from, int to, int r0, int rows) {
        float[] sc = it.sc;
        boolean ownSinks = sinks != null && splits == 1;
        for (int r = 0; r < rows; r++) {
            int o = r * stride, end = Math.min(to, seen(r0 + r));
            float m = it.m[r];
            int t = Math.max(from, first(r0 + r));
            double sum = t < end ? VectorOps.expSum(sc, o + t, end - t, m) : 0;
            if (ownSinks) sum += (float) Math.exp(sinks[head(kvh, r0 + r)] - m);
            it.l[r] = sum;
        }
    }

    /** Exponentials to normalised weights (rounded as ggml rounds them), zero where a row sees nothing; the outputs cleared. */
    private void weights(Item it, int from, int to, int lowPage, int r0, int rows) {
        float[] sc = it.sc;
        for (int r = 0; r < rows; r++) {
            int o = r * stride, end = Math.min(to, seen(r0 + r)), lo = Math.max(from, first(r0 + r));
            for (int t = lowPage * PAGE; t < lo; t++) sc[o + t] = 0; // before this row's window
            int t = lo;
            float inv = (float) (1.0 / it.l[r]);
            // a quantised cache runs llama.cpp's flash-attention path, whose weights stay floats
            if (cache.f16) for (; t < end; t++) sc[o + t] = Float.float16ToFloat(Float.floatToFloat16(sc[o + t] * inv));
            else for (; t < end; t++) sc[o + t] *= inv;
            for (t = Math.max(from, end); t < to; t++) sc[o + t] = 0; // rows paired with a longer one add nothing there
        }
        java.util.Arrays.fill(it.acc, 0, rows * vhd, 0f);
    }

    /** The rows' weighted values of one page added to their outputs; false past what the block's last row sees. */
    private boolean valuePage(Item it, int kvh, int page, int r0, int rows) {
        int t0 = page * PAGE;
        int valid = Math.min(PAGE, seen(r0 + rows - 1) - t0);
        if (valid <= 0) return false;
        short[] halves = cache.valuePage16(layer, page);
        if (halves != null && rows >= WIDEN_ROWS) {
            addValuesWidened(it, halves, kvh * vhd * PAGE, rows, t0, valid);
            return true;
        }
        if (halves != null) {
            addValues16(it, halves, kvh * vhd * PAGE, rows, t0, valid);
            return true;
        }
        byte[] quants = cache.valuePage8(layer, page);
        if (quants != null) {
            addValues8(it, quants, cache.valueScales8(layer, page), kvh * vhd * PAGE, rows, t0, valid);
            return true;
        }
        byte[] nibbles = NIBBLES ? cache.valuePage4(layer, page) : null;
        if (nibbles != null) {
            addValues4(it, nibbles, cache.valueScales8(layer, page), kvh * vhd * PAGE, rows, t0, valid);
            return true;
        }
        boolean widened = cache.type != KvCacheType.F32;
        float[] vals = cache.valueTile(layer, page, kvh * vhd, vhd, valid, it.vTile);
        addValues(it, vals, widened ? 0 : kvh * vhd, widened ? vhd : vDim, rows, t0, valid);
        return true;
    }

    /** Unsplit: the rows' outputs to their places in {@code out} (split ones are added up by run()). */
    private void output(Item it, int kvh, int r0, int rows) {
        if (splits != 1) return;
        int attDim = heads * vhd;
        for (int r = 0; r < rows; r++) {
            int row = r0 + r;
            System.arraycopy(it.acc, r * vhd, out, row / group * attDim + (kvh * group + row % group) * vhd, vhd);
        }
    }

    /** The query head of global row {@code row} of KV head {@code kvh}'s group. */
    private int head(int kvh, int row) {
        return kvh * group + row % group;
    }

    /**
     * The head's query through Q8_0 and back, as ggml's x86 quantize_row_q8_0 encodes the
     * right-hand side of a product with a Q8_0 cache: per block of 32, quants rint(x · 127/amax)
     * times the scale amax/127 rounded to F16.
     */
    private void q8Round(float[] x, int off, float[] out, int outOff) {
        for (int b = 0; b < hd; b += KvCache.QK) {
            float amax = 0;
            for (int j = 0; j < KvCache.QK; j++) amax = Math.max(amax, Math.abs(x[off + b + j]));
            float id = amax != 0 ? 127f / amax : 0f, d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            for (int j = 0; j < KvCache.QK; j++) out[outOff + b + j] = (int) Math.rint(x[off + b + j] * id) * d;
        }
    }

    /**
     * L finite halves from {@code a[i..]} as floats, exactly (what {@link Float#float16ToFloat}
     * gives; infinities and NaNs are not carried, see {@link KvCache#keyPage16}). The Vector API
     * has no half-to-float conversion; this one is four lane operations: sign-extend to ints,
     * shift the half's exponent and mantissa into a float's fields (the sign lands in bit 31 by the
     * extension), mask the rest, and scale by 2^112 to re-bias the exponent, which also makes a
     * half's subnormals exact normal floats. Widening in registers lets the products read the
     * cache directly: a separate widening pass into a tile read memory in bursts between the
     * products and streamed the cache at about half the rate.
     */
    static FloatVector half(short[] a, int i) {
        return halfDown(a, i).mul(HALF_SCALE);
    }

    /**
     * {@link #half} without its last step: L finite halves times 2^-112, exactly (a half's
     * subnormals land on float subnormals, which hold them). The decode kernels multiply these by
     * an operand taken times 2^112 instead, once per broadcast rather than once per vector of the
     * cache: the product is the same real number, so every FMA rounds to the same float. The
     * operands allow it: an F16 cache's queries are F16-rounded (|q| ≤ 65504, and 65504 · 2^112
     * is still a finite float) and its weights are at most 1.
     */
    static FloatVector halfDown(short[] a, int i) {
        IntVector x = (IntVector) ShortVector.fromArray(H, a, i).convertShape(VectorOperators.S2I, I, 0);
        return x.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats();
    }

    /**
     * {@code n} halves from {@code a[from..]} into {@code tile} as floats, exactly (finite values,
     * as {@link #half}). For a block of prefill rows a page is widened once and then read as
     * floats by every pair of rows: widening in registers, as decode does, repeats the widening for
     * each pair, and for 16 rows that work (five lane operations per vector against one FMA per
     * row) was most of a prefill's attention.
     */
    private static void widen(short[] a, int from, int n, float[] tile, int to) {
        int i = 0;
        for (; i + L <= n; i += L) half(a, from + i).intoArray(tile, to + i);
        for (; i < n; i++) tile[to + i] = Float.float16ToFloat(a[from + i]);
    }

    /**
     * {@link #scores} over an F16 page widened into the item's key tile. This and
     * {@link #addValuesWidened} are methods of their own so that the page functions, which decode
     * runs, stay as small as before for C2's inlining.
     */
    private void scoresWidened(Item it, short[] keys, int kBase, int rows, int t0, int blocks) {
        float[] tile = it.kTile; // [element][PAGE]
        for (int s = 0; s < PAGE; s += RUN)
            for (int j = 0, k = kBase + s * hd; j < hd; j++, k += RUN) widen(keys, k, RUN, tile, j * PAGE + s);
        scores(it, tile, 0, rows, t0, blocks);
    }

    /** {@link #addValues} over an F16 page's first {@code valid} positions widened into the item's value tile. */
    private void addValuesWidened(Item it, short[] vals, int vBase, int rows, int t0, int valid) {
        float[] tile = it.vTile; // [position][vhd]
        for (int x = 0; x < vhd; x += RUN) {
            int width = Math.min(RUN, vhd - x);
            for (int t = 0, v = vBase + x * PAGE; t < valid; t++, v += width) widen(vals, v, width, tile, t * vhd + x);
        }
        addValues(it, tile, 0, vhd, rows, t0, valid);
    }

    /**
     * {@link #scores} reading an F16 page's keys ({@code kBase}: the head's block) as stored: a
     * pass of four vectors takes positions of one run of {@link #RUN}, element after element.
     */
    private void scores16(Item it, short[] keys, int kBase, int rows, int t0, int blocks) {
        float[] qf = it.qf, sc = it.sc;
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1); // an unpaired last row is computed twice, harmlessly
            int q0 = r * hd, q1 = r1 * hd;
            int s = 0;
            for (; s + 4 * L <= blocks; s += 4 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int j = 0, k = kBase + (s - s % RUN) * hd + s % RUN; j < hd; j++, k += RUN) {
                    FloatVector x = FloatVector.broadcast(F, qf[q0 + j] * HALF_SCALE), y = FloatVector.broadcast(F, qf[q1 + j] * HALF_SCALE);
                    FloatVector k0 = halfDown(keys, k), k1 = halfDown(keys, k + L), k2 = halfDown(keys, k + 2 * L), k3 = halfDown(keys, k + 3 * L);
                    a0 = k0.fma(x, a0);
                    a1 = k1.fma(x, a1);
                    a2 = k2.fma(x, a2);
                    a3 = k3.fma(x, a3);
                    b0 = k0.fma(y, b0);
                    b1 = k1.fma(y, b1);
                    b2 = k2.fma(y, b2);
                    b3 = k3.fma(y, b3);
                }
                int o0 = r * stride + t0 + s, o1 = r1 * stride + t0 + s;
                b0.mul(scale).intoArray(sc, o1);
                b1.mul(scale).intoArray(sc, o1 + L);
                b2.mul(scale).intoArray(sc, o1 + 2 * L);
                b3.mul(scale).intoArray(sc, o1 + 3 * L);
                a0.mul(scale).intoArray(sc, o0);
                a1.mul(scale).intoArray(sc, o0 + L);
                a2.mul(scale).intoArray(sc, o0 + 2 * L);
                a3.mul(scale).intoArray(sc, o0 + 3 * L);
            }
            if (s < blocks) scores16Tail(it, keys, kBase, r, r1, t0, s, blocks);
        }
    }

    /**
     * {@link #scores16} past the last four vectors (a page of a narrower vector shape). Its own
     * method, as are the other kernels' tails: inlined into the kernel it made C2 stop inlining
     * the vector calls of the tail (NodeCountInliningCutoff), and a vector call not inlined boxes
     * every vector: that tail ran about 4x slower than the whole kernel.
     */
    private void scores16Tail(Item it, short[] keys, int kBase, int r, int r1, int t0, int s, int blocks) {
        float[] qf = it.qf, sc = it.sc;
        int q0 = r * hd, q1 = r1 * hd;
        for (; s < blocks; s += L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int j = 0, k = kBase + (s - s % RUN) * hd + s % RUN; j < hd; j++, k += RUN) {
                FloatVector kv = halfDown(keys, k);
                a0 = kv.fma(FloatVector.broadcast(F, qf[q0 + j] * HALF_SCALE), a0);
                a1 = kv.fma(FloatVector.broadcast(F, qf[q1 + j] * HALF_SCALE), a1);
            }
            a0.mul(scale).intoArray(sc, r * stride + t0 + s);
            a1.mul(scale).intoArray(sc, r1 * stride + t0 + s);
        }
    }

    /**
     * {@link #addValues} reading an F16 page's values as stored ({@code vBase}: the head's block):
     * a pass of four vectors takes elements of one run of {@link #RUN}, position after position.
     */
    private void addValues16(Item it, short[] vals, int vBase, int rows, int t0, int valid) {
        float[] w = it.sc, acc = it.acc;
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1);
            int a0 = r * vhd, a1 = r1 * vhd, w0 = r * stride + t0, w1 = r1 * stride + t0;
            int x = 0;
            for (; x + 4 * L <= vhd; x += 4 * L) {
                FloatVector u0 = FloatVector.fromArray(F, acc, a0 + x), u1 = FloatVector.fromArray(F, acc, a0 + x + L),
                        u2 = FloatVector.fromArray(F, acc, a0 + x + 2 * L), u3 = FloatVector.fromArray(F, acc, a0 + x + 3 * L);
                FloatVector y0 = FloatVector.fromArray(F, acc, a1 + x), y1 = FloatVector.fromArray(F, acc, a1 + x + L),
                        y2 = FloatVector.fromArray(F, acc, a1 + x + 2 * L), y3 = FloatVector.fromArray(F, acc, a1 + x + 3 * L);
                int xr = x - x % RUN, width = Math.min(RUN, vhd - xr); // the run that holds the pass: element e of slot t at xr·PAGE + t·width + e − xr
                for (int t = 0, v = vBase + xr * PAGE + x - xr; t < valid; t++, v += width) {
                    FloatVector b0 = FloatVector.broadcast(F, w[w0 + t] * HALF_SCALE), b1 = FloatVector.broadcast(F, w[w1 + t] * HALF_SCALE);
                    FloatVector v0 = halfDown(vals, v), v1 = halfDown(vals, v + L), v2 = halfDown(vals, v + 2 * L), v3 = halfDown(vals, v + 3 * L);
                    u0 = v0.fma(b0, u0);
                    u1 = v1.fma(b0, u1);
                    u2 = v2.fma(b0, u2);
                    u3 = v3.fma(b0, u3);
                    y0 = v0.fma(b1, y0);
                    y1 = v1.fma(b1, y1);
                    y2 = v2.fma(b1, y2);
                    y3 = v3.fma(b1, y3);
                }
                y0.intoArray(acc, a1 + x);
                y1.intoArray(acc, a1 + x + L);
                y2.intoArray(acc, a1 + x + 2 * L);
                y3.intoArray(acc, a1 + x + 3 * L);
                u0.intoArray(acc, a0 + x);
                u1.intoArray(acc, a0 + x + L);
                u2.intoArray(acc, a0 + x + 2 * L);
                u3.intoArray(acc, a0 + x + 3 * L);
            }
            if (x < vhd) addValues16Tail(it, vals, vBase, x, a0, a1, w0, w1, valid);
        }
    }

    /** {@link #addValues16} over the head's last run, narrower than four vectors (see {@link #scores16Tail}). */
    private void addValues16Tail(Item it, short[] vals, int vBase, int x, int a0, int a1, int w0, int w1, int valid) {
        float[] w = it.sc, acc = it.acc;
        int xr = x - x % RUN, width = Math.min(RUN, vhd - xr), base = vBase + xr * PAGE - xr; // the tail lies in one run: element e of slot t at base + t·width + e
        for (; x + L <= vhd; x += L) {
            FloatVector u = FloatVector.fromArray(F, acc, a0 + x), y = FloatVector.fromArray(F, acc, a1 + x);
            for (int t = 0, v = base + x; t < valid; t++, v += width) {
                FloatVector vv = halfDown(vals, v);
                u = vv.fma(FloatVector.broadcast(F, w[w0 + t] * HALF_SCALE), u);
                y = vv.fma(FloatVector.broadcast(F, w[w1 + t] * HALF_SCALE), y);
            }
            y.intoArray(acc, a1 + x);
            u.intoArray(acc, a0 + x);
        }
        for (; x < vhd; x++) {
            float u = acc[a0 + x], y = acc[a1 + x];
            for (int t = 0, v = base + x; t < valid; t++, v += width) {
                float vv = Float.float16ToFloat(vals[v]);
                u = Math.fma(w[w0 + t], vv, u);
                y = Math.fma(w[w1 + t], vv, y);
            }
            acc[a1 + x] = y;
            acc[a0 + x] = u;
        }
    }

    /** L Q8_0 quants from {@code q[i..]} times their scales: exactly the cache's values (an int8 times an F16 fits a float). */
    private static FloatVector dequant(byte[] q, int i, FloatVector d) {
        return ((FloatVector) quants(q, i).convertShape(VectorOperators.B2F, F, 0)).mul(d);
    }

    /** L bytes from {@code q[i..]} in the first L lanes of {@link #B} (a masked load where B is wider: it may not read past q). */
    private static ByteVector quants(byte[] q, int i) {
        return WIDE_B ? ByteVector.fromArray(B, q, i, FIRST_L) : ByteVector.fromArray(B, q, i);
    }

    /**
     * {@link #scores} reading a Q8_0 page's keys as stored: quants in runs of {@link #RUN} slots
     * as an F16 page's ({@link KvCache#runKeyIndex}), an F16 scale per block of 32 elements and
     * slot {@code [e / 32 * PAGE + slot]}; the head's elements start at {@code e0}. Each key
     * vector is its quants times its scales, as the tile held it.
     */
    private void scores8(Item it, byte[] keys, short[] scales, int e0, int rows, int t0, int blocks) {
        float[] qf = it.qf, sc = it.sc, d = it.kScale;
        // the head's scales as floats, once per page: widened in the loop below, the vector calls
        // made the kernel too large for C2 to inline them all (and a call not inlined boxes its vectors)
        for (int b = 0, n = hd / KvCache.QK * PAGE, src = e0 / KvCache.QK * PAGE; b < n; b++) d[b] = Float.float16ToFloat(scales[src + b]);
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1); // an unpaired last row is computed twice, harmlessly
            int q0 = r * hd, q1 = r1 * hd;
            int s = 0;
            for (; s + 4 * L <= blocks; s += 4 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int j0 = 0; j0 < hd; j0 += KvCache.QK) {
                    int so = j0 / KvCache.QK * PAGE + s;
                    FloatVector d0 = FloatVector.fromArray(F, d, so), d1 = FloatVector.fromArray(F, d, so + L),
                            d2 = FloatVector.fromArray(F, d, so + 2 * L), d3 = FloatVector.fromArray(F, d, so + 3 * L);
                    for (int j = j0, k = e0 * PAGE + (s - s % RUN) * hd + s % RUN + j0 * RUN; j < j0 + KvCache.QK; j++, k += RUN) {
                        FloatVector x = FloatVector.broadcast(F, qf[q0 + j]), y = FloatVector.broadcast(F, qf[q1 + j]);
                        FloatVector k0 = dequant(keys, k, d0), k1 = dequant(keys, k + L, d1), k2 = dequant(keys, k + 2 * L, d2), k3 = dequant(keys, k + 3 * L, d3);
                        a0 = k0.fma(x, a0);
                        a1 = k1.fma(x, a1);
                        a2 = k2.fma(x, a2);
                        a3 = k3.fma(x, a3);
                        b0 = k0.fma(y, b0);
                        b1 = k1.fma(y, b1);
                        b2 = k2.fma(y, b2);
                        b3 = k3.fma(y, b3);
                    }
                }
                int o0 = r * stride + t0 + s, o1 = r1 * stride + t0 + s;
                b0.mul(scale).intoArray(sc, o1);
                b1.mul(scale).intoArray(sc, o1 + L);
                b2.mul(scale).intoArray(sc, o1 + 2 * L);
                b3.mul(scale).intoArray(sc, o1 + 3 * L);
                a0.mul(scale).intoArray(sc, o0);
                a1.mul(scale).intoArray(sc, o0 + L);
                a2.mul(scale).intoArray(sc, o0 + 2 * L);
                a3.mul(scale).intoArray(sc, o0 + 3 * L);
            }
            if (s < blocks) scores8Tail(it, keys, e0, r, r1, t0, s, blocks);
        }
    }

    /** {@link #scores8} past the last four vectors (see {@link #scores16Tail}). */
    private void scores8Tail(Item it, byte[] keys, int e0, int r, int r1, int t0, int s, int blocks) {
        float[] qf = it.qf, sc = it.sc;
        int q0 = r * hd, q1 = r1 * hd;
        for (; s < blocks; s += L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int j0 = 0; j0 < hd; j0 += KvCache.QK) {
                FloatVector d = FloatVector.fromArray(F, it.kScale, j0 / KvCache.QK * PAGE + s);
                for (int j = j0, k = e0 * PAGE + (s - s % RUN) * hd + j0 * RUN + s % RUN; j < j0 + KvCache.QK; j++, k += RUN) {
                    FloatVector kv = dequant(keys, k, d);
                    a0 = kv.fma(FloatVector.broadcast(F, qf[q0 + j]), a0);
                    a1 = kv.fma(FloatVector.broadcast(F, qf[q1 + j]), a1);
                }
            }
            a0.mul(scale).intoArray(sc, r * stride + t0 + s);
            a1.mul(scale).intoArray(sc, r1 * stride + t0 + s);
        }
    }

    /**
     * {@link #addValues} reading a Q8_0 page's values as stored: the head's quants from {@code e0}
     * in runs of {@link #RUN} elements as an F16 page's ({@link KvCache#runValueIndex}), the F16
     * scale of quant q at {@code q / 32}. L divides 32, so a vector never straddles two blocks.
     */
    private void addValues8(Item it, byte[] vals, short[] scales, int e0, int rows, int t0, int valid) {
        float[] w = it.sc, acc = it.acc;
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1);
            int a0 = r * vhd, a1 = r1 * vhd, w0 = r * stride + t0, w1 = r1 * stride + t0;
            int x = 0;
            for (; x + 4 * L <= vhd; x += 4 * L) {
                FloatVector u0 = FloatVector.fromArray(F, acc, a0 + x), u1 = FloatVector.fromArray(F, acc, a0 + x + L),
                        u2 = FloatVector.fromArray(F, acc, a0 + x + 2 * L), u3 = FloatVector.fromArray(F, acc, a0 + x + 3 * L);
                FloatVector y0 = FloatVector.fromArray(F, acc, a1 + x), y1 = FloatVector.fromArray(F, acc, a1 + x + L),
                        y2 = FloatVector.fromArray(F, acc, a1 + x + 2 * L), y3 = FloatVector.fromArray(F, acc, a1 + x + 3 * L);
                int xr = x - x % RUN, width = Math.min(RUN, vhd - xr); // as addValues16
                for (int t = 0, v = e0 + xr * PAGE + x - xr; t < valid; t++, v += width) {
                    FloatVector b0 = FloatVector.broadcast(F, w[w0 + t]), b1 = FloatVector.broadcast(F, w[w1 + t]);
                    // a pass starts a block (runs and their rows hold whole blocks; with 4 lanes it
                    // may start a block's second half), so vector m lies in block v/32 + m·L/32:
                    // with 8 lanes all four share one scale, read once instead of four times
                    int b = v / KvCache.QK;
                    FloatVector d0 = FloatVector.broadcast(F, Float.float16ToFloat(scales[b])),
                            d1 = FloatVector.broadcast(F, Float.float16ToFloat(scales[b + L / KvCache.QK])),
                            d2 = FloatVector.broadcast(F, Float.float16ToFloat(scales[b + 2 * L / KvCache.QK])),
                            d3 = FloatVector.broadcast(F, Float.float16ToFloat(scales[b + 3 * L / KvCache.QK]));
                    FloatVector v0 = dequant(vals, v, d0), v1 = dequant(vals, v + L, d1), v2 = dequant(vals, v + 2 * L, d2), v3 = dequant(vals, v + 3 * L, d3);
                    u0 = v0.fma(b0, u0);
                    u1 = v1.fma(b0, u1);
                    u2 = v2.fma(b0, u2);
                    u3 = v3.fma(b0, u3);
                    y0 = v0.fma(b1, y0);
                    y1 = v1.fma(b1, y1);
                    y2 = v2.fma(b1, y2);
                    y3 = v3.fma(b1, y3);
                }
                y0.intoArray(acc, a1 + x);
                y1.intoArray(acc, a1 + x + L);
                y2.intoArray(acc, a1 + x + 2 * L);
                y3.intoArray(acc, a1 + x + 3 * L);
                u0.intoArray(acc, a0 + x);
                u1.intoArray(acc, a0 + x + L);
                u2.intoArray(acc, a0 + x + 2 * L);
                u3.intoArray(acc, a0 + x + 3 * L);
            }
            if (x < vhd) addValues8Tail(it, vals, scales, e0, x, a0, a1, w0, w1, valid);
        }
    }

    /** {@link #addValues8} over the head's last run, narrower than four vectors (see {@link #scores16Tail}). */
    private void addValues8Tail(Item it, byte[] vals, short[] scales, int e0, int x, int a0, int a1, int w0, int w1, int valid) {
        float[] w = it.sc, acc = it.acc;
        int xr = x - x % RUN, width = Math.min(RUN, vhd - xr), base = e0 + xr * PAGE - xr; // as addValues16Tail
        for (; x + L <= vhd; x += L) {
            FloatVector u = FloatVector.fromArray(F, acc, a0 + x), y = FloatVector.fromArray(F, acc, a1 + x);
            for (int t = 0, v = base + x; t < valid; t++, v += width) {
                FloatVector vv = dequant(vals, v, FloatVector.broadcast(F, Float.float16ToFloat(scales[v / KvCache.QK])));
                u = vv.fma(FloatVector.broadcast(F, w[w0 + t]), u);
                y = vv.fma(FloatVector.broadcast(F, w[w1 + t]), y);
            }
            y.intoArray(acc, a1 + x);
            u.intoArray(acc, a0 + x);
        }
        for (; x < vhd; x++) {
            float u = acc[a0 + x], y = acc[a1 + x];
            for (int t = 0, v = base + x; t < valid; t++, v += width) {
                float vv = vals[v] * Float.float16ToFloat(scales[v / KvCache.QK]);
                u = Math.fma(w[w0 + t], vv, u);
                y = Math.fma(w[w1 + t], vv, y);
            }
            acc[a1 + x] = y;
            acc[a0 + x] = u;
        }
    }

    /**
     * L bytes of a Q4_0 page from {@code q[i..]}, two quants each, sign-extended into int lanes: a
     * lane is then 16 × its high quant + its low nibble, so its high quant is the lane shifted
     * right by 4 ({@link #high}) and its low one the lane's low four bits sign-extended ({@link #low}).
     */
    private static IntVector nibbles(byte[] q, int i) {
        return (IntVector) quants(q, i).convertShape(VectorOperators.B2I, I, 0);
    }

    /** The low quants of {@link #nibbles} times their scales: exactly the cache's values (a 4-bit int times an F16 fits a float). */
    private static FloatVector low(IntVector x, FloatVector d) {
        return ((FloatVector) x.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0)).mul(d);
    }

    /** The high quants of {@link #nibbles} times their scales. */
    private static FloatVector high(IntVector x, FloatVector d) {
        return ((FloatVector) x.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0)).mul(d);
    }

    /**
     * {@link #scores8} reading a Q4_0 page's keys as stored ({@link KvCache#keyPage4}): element e's
     * 64 slots in the {@code PAGE/2} bytes from {@code e · PAGE/2}, a group of 4L slots from 2L of
     * them ({@link #N0}..{@link #N3}); the same products in the same order per slot as over a tile,
     * so the same scores. {@code blocks} is whole groups, so there is no tail.
     */
    private void scores4(Item it, byte[] keys, short[] scales, int e0, int rows, int t0, int blocks) {
        float[] qf = it.qf, sc = it.sc, d = it.kScale;
        for (int b = 0, n = hd / KvCache.QK * PAGE, src = e0 / KvCache.QK * PAGE; b < n; b++) d[b] = Float.float16ToFloat(scales[src + b]);
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1); // an unpaired last row is computed twice, harmlessly
            int q0 = r * hd, q1 = r1 * hd;
            for (int s = 0; s < blocks; s += 4 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int j0 = 0; j0 < hd; j0 += KvCache.QK) {
                    int so = j0 / KvCache.QK * PAGE + s;
                    FloatVector d0 = FloatVector.fromArray(F, d, so + N0), d1 = FloatVector.fromArray(F, d, so + N1),
                            d2 = FloatVector.fromArray(F, d, so + N2), d3 = FloatVector.fromArray(F, d, so + N3);
                    for (int j = j0, k = (e0 + j0) * (PAGE / 2) + s / 2; j < j0 + KvCache.QK; j++, k += PAGE / 2) {
                        FloatVector x = FloatVector.broadcast(F, qf[q0 + j]), y = FloatVector.broadcast(F, qf[q1 + j]);
                        IntVector n0 = nibbles(keys, k), n1 = nibbles(keys, k + L);
                        FloatVector k0 = low(n0, d0), k1 = high(n0, d1), k2 = low(n1, d2), k3 = high(n1, d3);
                        a0 = k0.fma(x, a0);
                        a1 = k1.fma(x, a1);
                        a2 = k2.fma(x, a2);
                        a3 = k3.fma(x, a3);
                        b0 = k0.fma(y, b0);
                        b1 = k1.fma(y, b1);
                        b2 = k2.fma(y, b2);
                        b3 = k3.fma(y, b3);
                    }
                }
                int o0 = r * stride + t0 + s, o1 = r1 * stride + t0 + s;
                b0.mul(scale).intoArray(sc, o1 + N0);
                b1.mul(scale).intoArray(sc, o1 + N1);
                b2.mul(scale).intoArray(sc, o1 + N2);
                b3.mul(scale).intoArray(sc, o1 + N3);
                a0.mul(scale).intoArray(sc, o0 + N0);
                a1.mul(scale).intoArray(sc, o0 + N1);
                a2.mul(scale).intoArray(sc, o0 + N2);
                a3.mul(scale).intoArray(sc, o0 + N3);
            }
        }
    }

    /**
     * {@link #addValues8} reading a Q4_0 page's values as stored ({@link KvCache#valuePage4}): a
     * group of 4L elements from 2L bytes ({@link #N0}..{@link #N3}), each run of 32 under one scale;
     * the same FMAs in the same order per element as over a tile.
     */
    private void addValues4(Item it, byte[] vals, short[] scales, int e0, int rows, int t0, int valid) {
        float[] w = it.sc, acc = it.acc;
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1);
            int a0 = r * vhd, a1 = r1 * vhd, w0 = r * stride + t0, w1 = r1 * stride + t0;
            int x = 0;
            for (; x + 4 * L <= vhd; x += 4 * L) {
                FloatVector u0 = FloatVector.fromArray(F, acc, a0 + x + N0), u1 = FloatVector.fromArray(F, acc, a0 + x + N1),
                        u2 = FloatVector.fromArray(F, acc, a0 + x + N2), u3 = FloatVector.fromArray(F, acc, a0 + x + N3);
                FloatVector y0 = FloatVector.fromArray(F, acc, a1 + x + N0), y1 = FloatVector.fromArray(F, acc, a1 + x + N1),
                        y2 = FloatVector.fromArray(F, acc, a1 + x + N2), y3 = FloatVector.fromArray(F, acc, a1 + x + N3);
                for (int t = 0, v = e0 + x; t < valid; t++, v += vhd) {
                    FloatVector b0 = FloatVector.broadcast(F, w[w0 + t]), b1 = FloatVector.broadcast(F, w[w1 + t]);
                    // N0 and N1 lie in the group's first run, N2 and N3 in its second (16 lanes) or first (8)
                    FloatVector d0 = FloatVector.broadcast(F, Float.float16ToFloat(scales[v / KvCache.QK])),
                            d2 = FloatVector.broadcast(F, Float.float16ToFloat(scales[(v + N2) / KvCache.QK]));
                    IntVector n0 = nibbles(vals, v / 2), n1 = nibbles(vals, v / 2 + L);
                    FloatVector v0 = low(n0, d0), v1 = high(n0, d0), v2 = low(n1, d2), v3 = high(n1, d2);
                    u0 = v0.fma(b0, u0);
                    u1 = v1.fma(b0, u1);
                    u2 = v2.fma(b0, u2);
                    u3 = v3.fma(b0, u3);
                    y0 = v0.fma(b1, y0);
                    y1 = v1.fma(b1, y1);
                    y2 = v2.fma(b1, y2);
                    y3 = v3.fma(b1, y3);
                }
                y0.intoArray(acc, a1 + x + N0);
                y1.intoArray(acc, a1 + x + N1);
                y2.intoArray(acc, a1 + x + N2);
                y3.intoArray(acc, a1 + x + N3);
                u0.intoArray(acc, a0 + x + N0);
                u1.intoArray(acc, a0 + x + N1);
                u2.intoArray(acc, a0 + x + N2);
                u3.intoArray(acc, a0 + x + N3);
            }
            if (x < vhd) addValues4Tail(it, vals, scales, e0, x, a0, a1, w0, w1, valid);
        }
    }

    /** {@link #addValues4} past the last group of the head (16 lanes, a head of an odd number of runs): a run of 32 at a time. */
    private void addValues4Tail(Item it, byte[] vals, short[] scales, int e0, int x, int a0, int a1, int w0, int w1, int valid) {
        float[] w = it.sc, acc = it.acc;
        for (; x < vhd; x += KvCache.QK)
            for (int h = 0; h < KvCache.QK / 2; h += L) {
                int lo = x + h, hi = lo + KvCache.QK / 2;
                FloatVector u = FloatVector.fromArray(F, acc, a0 + lo), uh = FloatVector.fromArray(F, acc, a0 + hi);
                FloatVector y = FloatVector.fromArray(F, acc, a1 + lo), yh = FloatVector.fromArray(F, acc, a1 + hi);
                for (int t = 0, v = e0 + x; t < valid; t++, v += vhd) {
                    FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(scales[v / KvCache.QK]));
                    FloatVector b0 = FloatVector.broadcast(F, w[w0 + t]), b1 = FloatVector.broadcast(F, w[w1 + t]);
                    IntVector n = nibbles(vals, v / 2 + h);
                    FloatVector vl = low(n, d), vh = high(n, d);
                    u = vl.fma(b0, u);
                    uh = vh.fma(b0, uh);
                    y = vl.fma(b1, y);
                    yh = vh.fma(b1, yh);
                }
                y.intoArray(acc, a1 + lo);
                yh.intoArray(acc, a1 + hi);
                u.intoArray(acc, a0 + lo);
                uh.intoArray(acc, a0 + hi);
            }
    }

    /** sc[r·stride + t0 + s] = scale · q_r · key(s) for s < blocks, two rows per pass over the keys. */
    private void scores(Item it, float[] keys, int kBase, int rows, int t0, int blocks) {
        float[] qf = it.qf, sc = it.sc;
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1); // an unpaired last row is computed twice, harmlessly
            int q0 = r * hd, q1 = r1 * hd;
            int s = 0;
            // four vectors of positions at once: eight independent FMA chains keep both FMA pipes
            // busy (two chains, one per row, waited on the FMA latency at every element)
            for (; s + 4 * L <= blocks; s += 4 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int j = 0, k = kBase + s; j < hd; j++, k += PAGE) {
                    FloatVector x = FloatVector.broadcast(F, qf[q0 + j]), y = FloatVector.broadcast(F, qf[q1 + j]);
                    FloatVector k0 = FloatVector.fromArray(F, keys, k), k1 = FloatVector.fromArray(F, keys, k + L),
                            k2 = FloatVector.fromArray(F, keys, k + 2 * L), k3 = FloatVector.fromArray(F, keys, k + 3 * L);
                    a0 = k0.fma(x, a0);
                    a1 = k1.fma(x, a1);
                    a2 = k2.fma(x, a2);
                    a3 = k3.fma(x, a3);
                    b0 = k0.fma(y, b0);
                    b1 = k1.fma(y, b1);
                    b2 = k2.fma(y, b2);
                    b3 = k3.fma(y, b3);
                }
                int o0 = r * stride + t0 + s, o1 = r1 * stride + t0 + s;
                b0.mul(scale).intoArray(sc, o1); // an unpaired row: b = a, stored twice
                b1.mul(scale).intoArray(sc, o1 + L);
                b2.mul(scale).intoArray(sc, o1 + 2 * L);
                b3.mul(scale).intoArray(sc, o1 + 3 * L);
                a0.mul(scale).intoArray(sc, o0);
                a1.mul(scale).intoArray(sc, o0 + L);
                a2.mul(scale).intoArray(sc, o0 + 2 * L);
                a3.mul(scale).intoArray(sc, o0 + 3 * L);
            }
            for (; s < blocks; s += L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                for (int j = 0, k = kBase + s; j < hd; j++, k += PAGE) {
                    FloatVector kv = FloatVector.fromArray(F, keys, k);
                    a0 = kv.fma(FloatVector.broadcast(F, qf[q0 + j]), a0);
                    a1 = kv.fma(FloatVector.broadcast(F, qf[q1 + j]), a1);
                }
                a0.mul(scale).intoArray(sc, r * stride + t0 + s);
                a1.mul(scale).intoArray(sc, r1 * stride + t0 + s);
            }
        }
    }

    /**
     * acc_r += Σ_t w_r(t) · value(t) over the tile's first {@code valid} positions, two rows and four
     * vectors of the output at a time: each value vector loaded serves two FMAs and the
     * accumulators stay in registers over the whole tile.
     */
    private void addValues(Item it, float[] vals, int vBase, int vStride, int rows, int t0, int valid) {
        float[] w = it.sc, acc = it.acc;
        for (int r = 0; r < rows; r += 2) {
            int r1 = Math.min(r + 1, rows - 1);
            int a0 = r * vhd, a1 = r1 * vhd, w0 = r * stride + t0, w1 = r1 * stride + t0;
            int x = 0;
            for (; x + 4 * L <= vhd; x += 4 * L) {
                FloatVector u0 = FloatVector.fromArray(F, acc, a0 + x), u1 = FloatVector.fromArray(F, acc, a0 + x + L),
                        u2 = FloatVector.fromArray(F, acc, a0 + x + 2 * L), u3 = FloatVector.fromArray(F, acc, a0 + x + 3 * L);
                FloatVector y0 = FloatVector.fromArray(F, acc, a1 + x), y1 = FloatVector.fromArray(F, acc, a1 + x + L),
                        y2 = FloatVector.fromArray(F, acc, a1 + x + 2 * L), y3 = FloatVector.fromArray(F, acc, a1 + x + 3 * L);
                for (int t = 0, v = vBase + x; t < valid; t++, v += vStride) {
                    FloatVector b0 = FloatVector.broadcast(F, w[w0 + t]), b1 = FloatVector.broadcast(F, w[w1 + t]);
                    FloatVector v0 = FloatVector.fromArray(F, vals, v), v1 = FloatVector.fromArray(F, vals, v + L),
                            v2 = FloatVector.fromArray(F, vals, v + 2 * L), v3 = FloatVector.fromArray(F, vals, v + 3 * L);
                    u0 = v0.fma(b0, u0);
                    u1 = v1.fma(b0, u1);
                    u2 = v2.fma(b0, u2);
                    u3 = v3.fma(b0, u3);
                    y0 = v0.fma(b1, y0);
                    y1 = v1.fma(b1, y1);
                    y2 = v2.fma(b1, y2);
                    y3 = v3.fma(b1, y3);
                }
                y0.intoArray(acc, a1 + x); // an unpaired row: y = u, stored twice
                y1.intoArray(acc, a1 + x + L);
                y2.intoArray(acc, a1 + x + 2 * L);
                y3.intoArray(acc, a1 + x + 3 * L);
                u0.intoArray(acc, a0 + x);
                u1.intoArray(acc, a0 + x + L);
                u2.intoArray(acc, a0 + x + 2 * L);
                u3.intoArray(acc, a0 + x + 3 * L);
            }
            for (; x + L <= vhd; x += L) {
                FloatVector u = FloatVector.fromArray(F, acc, a0 + x), y = FloatVector.fromArray(F, acc, a1 + x);
                for (int t = 0, v = vBase + x; t < valid; t++, v += vStride) {
                    FloatVector vv = FloatVector.fromArray(F, vals, v);
                    u = vv.fma(FloatVector.broadcast(F, w[w0 + t]), u);
                    y = vv.fma(FloatVector.broadcast(F, w[w1 + t]), y);
                }
                y.intoArray(acc, a1 + x);
                u.intoArray(acc, a0 + x);
            }
            for (; x < vhd; x++) {
                float u = acc[a0 + x], y = acc[a1 + x];
                for (int t = 0, v = vBase + x; t < valid; t++, v += vStride) {
                    u = Math.fma(w[w0 + t], vals[v], u);
                    y = Math.fma(w[w1 + t], vals[v], y);
                }
                acc[a1 + x] = y;
                acc[a0 + x] = u;
            }
        }
    }
}
