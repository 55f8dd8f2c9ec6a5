package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

/**
 * Matrix products of stored weights with float activations: {@code out = W · x}. Activations are
 * encoded once per call in the type's {@link ActivationType}; rows are split over {@link Parallel}.
 */
public final class Kernels {
    /** Weight rows per matmul tile: the tile stays in L2 while every group of 4 activation rows streams past it. */
    static final int MATMUL_ROW_TILE = 16;
    /** From this many tokens on, {@link TileGemm} (dequantise a tile once, float FMAs) beats {@link TypeKernel#dot4}. */
    static final int TILE_GEMM_MIN_TOKENS = 8;

    private Kernels() {
    }

    /** out[r] = dot(W[r], x) for every row r; {@code x.length >= W.cols}, {@code out.length >= W.rows}. */
    public static void matvec(Tensor w, float[] x, float[] out, Activations scratch) {
        matvec(w, encodeFor(w, x, scratch), out);
    }

    /**
     * {@code x} encoded as {@code w}'s products take it, for {@link #matvec(Tensor, Activations, float[])}:
     * several products of one input (q, k and v; gate and up; a token's experts) then encode it once.
     * Quantising 1,024 activations costs about as much as streaming 40 KB of weights, and a qwen3moe
     * decode step multiplies each token's input with 16 expert matrices of 400 KB.
     */
    public static Activations encodeFor(Tensor w, float[] x, Activations scratch) {
        return scratch.encode(w.kernel().activationType(), x, 0, w.cols());
    }

    /** Whether {@code a} is encoded as {@code w}'s products take it: its activation type, {@code w.cols} values. */
    public static boolean encodedFor(Tensor w, Activations a) {
        return a.type() == w.kernel().activationType() && a.length() == w.cols();
    }

    /**
     * {@link #matvec(Tensor, float[], float[], Activations)} for one of several products of the
     * same {@code x}: {@code encoded} (the return of the call before, or null) is used when it
     * suits {@code w}, else {@code x} is encoded into {@code scratch}. Returns the encoding used,
     * for the next product. The caller vouches that {@code encoded} was made from {@code x} as it
     * is now. Results are bitwise those of encoding for each product.
     */
    public static Activations matvecSharing(Tensor w, float[] x, Activations encoded, float[] out, Activations scratch) {
        Activations a = encoded != null && encodedFor(w, encoded) ? encoded : encodeFor(w, x, scratch);
        matvec(w, a, out);
        return a;
    }

    /** out[r] = dot(W[r], x) over activations already encoded for {@code w} ({@link #encodeFor}). */
    public static void matvec(Tensor w, Activations a, float[] out) {
        if (!encodedFor(w, a))
            throw new IllegalArgumentException("activations are " + a.length() + " x " + a.type() + ", '" + w.name() + "' takes " + w.cols() + " x " + w.kernel().activationType());
        TypeKernel k = w.kernel();
        if (w.packed() != null) {
            matvecPacked(w, a, out, 0);
            return;
        }
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        Parallel.forRange(w.rows(), 64, (start, end) -> {
            for (int r = start; r < end; r++) out[r] = k.dot(w.data(), r * rowBytes, a, 0, cols);
        });
    }

    /**
     * The product over {@link PackedRows}, activations already encoded: a group of rows per kernel
     * call, and the rows past the last whole group (if any) with the row kernel. Writes
     * {@code out[outOff..outOff + rows)}.
     */
    static void matvecPacked(Tensor w, Activations a, float[] out, int outOff) {
        PackedRows p = w.packed();
        matvecGroups(p, a, out, outOff);
        TypeKernel k = w.kernel();
        long rowBytes = w.rowBytes();
        int cols = p.cols();
        for (int r = p.groups() * PackedRows.G; r < w.rows(); r++) out[outOff + r] = k.dot(w.data(), r * rowBytes, a, 0, cols);
    }

    /**
     * out[r] = dot(W[r], x) for every row of a packed matrix of whole groups ({@link PackedRows#stack}),
     * over activations already encoded for its type ({@link #encodeFor} of either stacked tensor).
     */
    public static void matvec(PackedRows p, Activations a, float[] out) {
        if (a.type() != TypeKernel.of(p.type()).activationType() || a.length() != p.cols() || p.rows() % PackedRows.G != 0)
            throw new IllegalArgumentException("activations are " + a.length() + " x " + a.type() + ", packed rows " + p.rows() + " x " + p.cols() + " " + p.type());
        matvecGroups(p, a, out, 0);
    }

    /**
     * The whole groups of a packed matrix, split over {@link Parallel}. A kernel that
     * {@link PackedKernel#pairsGroups pairs groups} takes each range's two halves side by side, group
     * i with group i + half: two streams from memory where one group a call reads one.
     */
    private static void matvecGroups(PackedRows p, Activations a, float[] out, int outOff) {
        PackedKernel pk = p.kernel();
        long groupBytes = p.groupBytes();
        int cols = p.cols(), g = PackedRows.G;
        if (pk.readsFloatPairs()) a.ensureFloatPairs();
        boolean pairs = pk.pairsGroups();
        Parallel.forRange(p.groups(), 64 / g, (start, end) -> {
            int half = pairs ? (end - start) / 2 : 0;
            for (int i = start; i < start + half; i++)
                pk.matvecTwo(p.data(), i * groupBytes, (i + half) * groupBytes, cols, a, out, outOff + i * g, outOff + (i + half) * g);
            for (int i = start + 2 * half; i < end; i++) pk.matvec(p.data(), i * groupBytes, cols, a, out, outOff + i * g);
        });
    }

    /**
     * The decode step of {@code n} sequences at once: {@code x} holds {@code n} activation rows of
     * {@code W.cols} floats, one per sequence, and {@code out} receives {@code n} rows of
     * {@code W.rows} floats. Row i of {@code out} is bitwise what {@link #matvec} gives for row i of
     * {@code x} alone (the same kernel calls, the same order of sums), so a sequence decoded in a
     * batch produces the tokens it produces alone. The weights are walked once, a group of rows at
     * a time, all sequences taking their product with that group while it is in cache: decoding is
     * bound by reading the weights, and this reads them once for the batch. Packed weights go
     * through {@link PackedKernel#matvec8} / {@link PackedKernel#matvec4}, which widen each weight
     * vector once for eight / four sequences (bitwise matvec's results, see there); without them
     * the products cost as many single kernels and the batch gained under 2x per token.
     * {@code scratch} needs at least {@code n} entries.
     */
    public static void matvecBatch(Tensor w, float[] x, int n, float[] out, Activations[] scratch) {
        if (n == 1) {
            matvec(w, x, out, scratch[0]);
            return;
        }
        TypeKernel k = w.kernel();
        int cols = w.cols(), rows = w.rows();
        for (int i = 0; i < n; i++) scratch[i].encode(k.activationType(), x, i * cols, cols);
        long rowBytes = w.rowBytes();
        PackedRows p = w.packed();
        if (p != null) {
            PackedKernel pk = p.kernel();
            for (int i = 0; i < n; i++) scratch[i].fillFloatPairs();
            long groupBytes = p.groupBytes();
            int groups = p.groups(), g = PackedRows.G;
            Parallel.forRange(groups, Math.max(1, 64 / g), (start, end) -> {
                for (int gi = start; gi < end; gi++) {
                    long at = gi * groupBytes;
                    int i = 0;
                    for (; i + 8 <= n; i += 8) pk.matvec8(p.data(), at, cols, scratch, i, out, i * rows + gi * g, rows);
                    for (; i + 4 <= n; i += 4)
                        pk.matvec4(p.data(), at, cols, scratch[i], scratch[i + 1], scratch[i + 2], scratch[i + 3], out, i * rows + gi * g, rows);
                    for (; i < n; i++) pk.matvec(p.data(), at, cols, scratch[i], out, i * rows + gi * g);
                }
            });
            for (int r = groups * g; r < rows; r++)
                for (int i = 0; i < n; i++) out[i * rows + r] = k.dot(w.data(), r * rowBytes, scratch[i], 0, cols);
            return;
        }
        int tiles = (rows + MATMUL_ROW_TILE - 1) / MATMUL_ROW_TILE;
        Parallel.forRange(tiles, Math.max(1, 64 / MATMUL_ROW_TILE), (startTile, endTile) -> {
            int start = startTile * MATMUL_ROW_TILE, end = Math.min(rows, endTile * MATMUL_ROW_TILE);
            for (int t = start; t < end; t += MATMUL_ROW_TILE) {
                int tEnd = Math.min(end, t + MATMUL_ROW_TILE);
                for (int i = 0; i < n; i++)
                    for (int r = t; r < tEnd; r++) out[i * rows + r] = k.dot(w.data(), r * rowBytes, scratch[i], 0, cols);
            }
        });
    }

    /** {@link #matvec} with the scalar reference dot product: the baseline for tests and benchmarks. */
    public static void matvecReference(Tensor w, float[] x, float[] out, Activations scratch) {
        TypeKernel k = w.kernel();
        Activations a = scratch.encode(k.activationType(), x, 0, w.cols());
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        Parallel.forRange(w.rows(), 64, (start, end) -> {
            for (int r = start; r < end; r++) out[r] = k.dotReference(w.data(), r * rowBytes, a, 0, cols);
        });
    }

    /**
     * Batched product for prefill: {@code x} holds {@code n} activation rows of {@code W.cols}
     * floats, {@code out} receives {@code n} rows of {@code W.rows} floats; {@code scratch} needs
     * at least {@code n} entries (reused across calls). Each weight row is decoded once per 4
     * activation rows ({@link TypeKernel#dot4}); weight rows are tiled so that a tile is read from
     * memory once for the whole batch.
     */
    public static void matmul(Tensor w, float[] x, int n, float[] out, Activations[] scratch) {
        TypeKernel k = w.kernel();
        int cols = w.cols(), rows = w.rows();
        for (int i = 0; i < n; i++) scratch[i].encode(k.activationType(), x, i * cols, cols);
        if (w.packed() != null && n < TILE_GEMM_MIN_TOKENS) {
            for (int i = 0; i < n; i++) matvecPacked(w, scratch[i], out, i * rows);
        } else if (n >= TILE_GEMM_MIN_TOKENS && (w.packed() != null || tileGemmPays(w.type()))) {
            float[][] xf = new float[n][];
            for (int i = 0; i < n; i++) xf[i] = scratch[i].decodeToFloats();
            TileGemm.matmul(w, xf, n, out);
        } else {
            matmulDot4(w, n, out, scratch);
        }
    }

    /**
     * Whether dequantising a tile is cheap enough for {@link TileGemm} to win (KernelBench, 32
     * tokens × 4096×1024 on one thread: Q8_0 2.2x, Q4_K 4.9x, Q5_K 2.7x, F32 1.8x, F16 1.5x, Q6_K
     * 1.7x faster than the dot4 path; BF16 even, its dequantiser being scalar). Q4_0 gains only
     * 1.3x and its float sums moved a random qwen2 model's probabilities past 1e-2 of llama.cpp's
     * (exact integer block sums keep it at 6e-3), so it stays on the integer path.
     */
    static boolean tileGemmPays(GgmlType type) {
        return switch (type) {
            case F32, F16, Q8_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** The row-at-a-time product over activations already encoded in {@code scratch}: 4 tokens per decoded weight block. */
    static void matmulDot4(Tensor w, int n, float[] out, Activations[] scratch) {
        TypeKernel k = w.kernel();
        int cols = w.cols(), rows = w.rows();
        long rowBytes = w.rowBytes();
        int tiles = (rows + MATMUL_ROW_TILE - 1) / MATMUL_ROW_TILE;
        Parallel.forRange(tiles, 1, (startTile, endTile) -> {
            int start = startTile * MATMUL_ROW_TILE, end = Math.min(rows, endTile * MATMUL_ROW_TILE);
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                Activations a0 = scratch[i], a1 = scratch[i + 1], a2 = scratch[i + 2], a3 = scratch[i + 3];
                for (int r = start; r < end; r++) k.dot4(w.data(), r * rowBytes, a0, a1, a2, a3, cols, out, i * rows + r, rows);
            }
            for (; i < n; i++)
                for (int r = start; r < end; r++) out[i * rows + r] = k.dot(w.data(), r * rowBytes, scratch[i], 0, cols);
        });
    }

    /**
     * Gets the vector kernels compiled by C2 before real work: until then Vector API code runs
     * boxed, ~100x slower, so the first full-size matvecs of a model would take seconds. Calling
     * every kernel a few thousand times on tiny data reaches the JIT's thresholds at a fraction
     * of that cost (about a second of CPU). Optional; call once at engine start-up.
     */
    public static void warmUp() {
        // 256: one K-quant super-block; 4 tokens take the dot4 path, TILE_GEMM_MIN_TOKENS the tiled one;
        // a decode batch of 13 sequences takes the packed kernels for 8, 4 and 1 (matvecBatch)
        int rows = 4, cols = 256, n = 4, tiled = TILE_GEMM_MIN_TOKENS, batch = 13;
        float[] x = new float[Math.max(tiled, batch) * cols], out = new float[tiled * rows], w = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        for (int i = 0; i < w.length; i++) w[i] = (float) Math.cos(i);
        float[] packedW = new float[Math.max(1, PackedRows.G) * cols], packedOut = new float[Math.max(tiled, batch) * Math.max(1, PackedRows.G)];
        for (int i = 0; i < packedW.length; i++) packedW[i] = (float) Math.cos(0.7 * i);
        Activations[] scratch = new Activations[Math.max(tiled, batch)];
        for (int i = 0; i < scratch.length; i++) scratch[i] = new Activations(cols);
        for (GgmlType type : new GgmlType[]{
                GgmlType.F32, GgmlType.F16, GgmlType.BF16,
                GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            Tensor t = Tensor.quantize("warm-up", type, w, rows, cols);
            for (int it = 0; it < 1500; it++) {
                matvec(t, x, out, scratch[0]);
                matmul(t, x, n, out, scratch);
                if (tileGemmPays(type)) matmul(t, x, tiled, out, scratch);
            }
            Tensor p = Tensor.quantize("warm-up", type, packedW, PackedRows.G, cols).packedForProducts();
            if (p.packed() != null) {
                for (int it = 0; it < 1500; it++) {
                    matvec(p, x, packedOut, scratch[0]);
                    if (it % 4 == 0) matmul(p, x, tiled, packedOut, scratch);
                    if (it % 2 == 0) matvecBatch(p, x, batch, packedOut, scratch);
                }
            }
        }
        float[] v = new float[cols];
        for (int it = 0; it < 3000; it++) {
            VectorOps.rmsnorm(v, x, x, 1e-6f, cols);
            VectorOps.softmax(v, 0, cols);
            VectorOps.dot(x, 0, v, 0, cols);
            VectorOps.scaledAdd(v, 0, 0.5f, x, 0, cols);
            VectorOps.siluMul(v, x, cols);
        }
    }
}
