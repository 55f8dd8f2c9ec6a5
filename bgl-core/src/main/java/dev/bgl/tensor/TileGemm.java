package dev.bgl.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import jdk.incubator.vector.VectorOperators;

import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.L;

/**
 * Prefill's matrix product, {@code out[t][r] = W[r] · x[t]} for many tokens t: a tile of weight
 * rows is dequantised to floats once, into a buffer that stays in L2, and then multiplied with
 * every token by a register-blocked float kernel (4 rows × 4 tokens per pass: 8 loads feed 16
 * FMAs). Dequantising costs about one decode-style dot product per row, so from a handful of
 * tokens on this beats decoding the row again for every group of tokens ({@link TypeKernel#dot4}):
 * the int8 products there cost ~6 vector instructions per 32 weights and token, an FMA here
 * does 16 multiply-adds.
 *
 * <p>The activations are first encoded as the weight type's {@link ActivationType} and decoded
 * back ({@link Activations#decodeToFloats}), so the values multiplied are those llama.cpp
 * multiplies (Q8_0/Q8_K-rounded activations for quantised weights); only the order of the
 * float additions differs from the integer kernels.
 */
final class TileGemm {
    /** Weight rows dequantised together: 16 rows of 4096 floats is 256 KiB, inside a 1-2 MiB L2. */
    static final int ROWS = 16;
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[0]);

    private TileGemm() {
    }

    /** {@code xf}: n arrays of at least {@code w.cols()} decoded activations; out: n rows of {@code w.rows()}. */
    static void matmul(Tensor w, float[][] xf, int n, float[] out) {
        if (w.packed() != null) {
            matmulPacked(w.packed(), xf, n, out);
            int done = w.packed().groups() * PackedRows.G;
            if (done < w.rows()) { // the rows past the last whole group, from the source
                float[] tile = new float[(w.rows() - done) * w.cols()];
                for (int r = done; r < w.rows(); r++) w.kernel().dequantize(w.data(), r * w.rowBytes(), tile, (r - done) * w.cols(), w.cols());
                multiply(tile, w.rows() - done, w.cols(), xf, n, out, done, w.rows());
            }
            return;
        }
        TypeKernel k = w.kernel();
        int cols = w.cols(), rows = w.rows();
        long rowBytes = w.rowBytes();
        int tiles = (rows + ROWS - 1) / ROWS;
        Parallel.forRange(tiles, 1, (t0, t1) -> {
            float[] tile = TILE.get();
            if (tile.length < ROWS * cols) TILE.set(tile = new float[ROWS * cols]);
            for (int t = t0; t < t1; t++) {
                int r0 = t * ROWS, nr = Math.min(ROWS, rows - r0);
                for (int i = 0; i < nr; i++) k.dequantize(w.data(), (r0 + i) * rowBytes, tile, i * cols, cols);
                multiply(tile, nr, cols, xf, n, out, r0, rows);
            }
        });
    }

    /** Doubles of the float shape: broadcasting one puts a pair of floats in every two lanes. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    /**
     * Tokens multiplied per pass over a tile: each takes two accumulators, and with the two tile
     * vectors and a broadcast or two they must fit the vector registers. AVX-512's 32 hold 8
     * tokens; AVX2's 16 hold 5. Six on AVX2 (12 accumulators) made C2 keep one of them on the
     * stack, and eight kept five there: a store and a load on each accumulator's chain of FMAs
     * that bounded every column pair, 40% slower than five (KernelBench, 32 tokens, Zen 3).
     */
    static final int TOKENS = Species.F.vectorBitSize() >= 512 ? 8 : 5;
    /** The activations as column pairs in blocks of TOKENS tokens, kept between calls: a prefill chunk runs seven products per layer. */
    private static final ThreadLocal<double[]> PAIRS = ThreadLocal.withInitial(() -> new double[0]);

    /**
     * {@link #matmul} over {@link PackedRows}, one group of G rows per tile, dequantised in the
     * packed order: each column pair is two vectors (rows 0..G/2 and G/2..G, two lanes per row)
     * that multiply the pair's two activations broadcast as one double: an outer-product form
     * with no transposition and no horizontal sums but one per row and token at the end.
     *
     * <p>The activations are laid out a block of TOKENS tokens at a time, a column pair's
     * TOKENS doubles side by side, so that the kernel reads them all from one pointer at
     * constant offsets: with one array per token, C2 ran out of general registers and parked
     * them in vector registers, which pushed accumulators onto the stack. The last block is
     * padded with zeros; every token's sums are the same additions in the same order whatever
     * block it is in.
     */
    private static void matmulPacked(PackedRows p, float[][] xf, int n, float[] out) {
        PackedKernel k = p.kernel();
        int cols = p.cols(), rows = p.rows(), g = PackedRows.G, half = cols / 2;
        long groupBytes = p.groupBytes();
        int blocks = (n + TOKENS - 1) / TOKENS, blockLength = TOKENS * half;
        double[] pairs = PAIRS.get();
        if (pairs.length < blocks * blockLength) PAIRS.set(pairs = new double[blocks * blockLength]);
        for (int j = 0; j < blocks * TOKENS; j++) {
            int at = j / TOKENS * blockLength + j % TOKENS;
            for (int c = 0; c < half; c++, at += TOKENS)
                pairs[at] = j >= n ? 0 : Double.longBitsToDouble((Float.floatToRawIntBits(xf[j][2 * c]) & 0xFFFFFFFFL)
                        | (long) Float.floatToRawIntBits(xf[j][2 * c + 1]) << 32);
        }
        double[] x = pairs;
        Parallel.forRange(p.groups(), 1, (t0, t1) -> {
            float[] tile = TILE.get();
            if (tile.length < g * cols) TILE.set(tile = new float[g * cols]);
            float[] sums = new float[2 * g];
            for (int t = t0; t < t1; t++) {
                k.dequantize(p.data(), t * groupBytes, cols, tile);
                for (int blk = 0; blk < blocks; blk++) {
                    int j = blk * TOKENS, count = Math.min(TOKENS, n - j), o = j * rows + t * g;
                    if (TOKENS == 8) tokens8(tile, cols, x, blk * blockLength, count, out, o, rows, sums);
                    else tokens5(tile, cols, x, blk * blockLength, count, out, o, rows, sums);
                }
            }
        });
    }

    /**
     * The first {@code count} of eight tokens over one packed tile ({@code x} from {@code from}:
     * column pair c of token t at {@code from + 8c + t}): per column pair 2 tile loads and 8
     * broadcasts feed 16 FMAs. Written out in full: a vector crossing a call the JIT does not
     * inline is boxed.
     */
    private static void tokens8(float[] tile, int cols, double[] x, int from, int count, float[] out, int o, int stride, float[] sums) {
        FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, l4 = l0, l5 = l0, l6 = l0, l7 = l0;
        FloatVector h0 = l0, h1 = l0, h2 = l0, h3 = l0, h4 = l0, h5 = l0, h6 = l0, h7 = l0;
        int end = from + cols / 2 * 8;
        for (int c = from, e = 0; c < end; c += 8, e += 2 * L) {
            FloatVector lo = FloatVector.fromArray(F, tile, e), hi = FloatVector.fromArray(F, tile, e + L);
            FloatVector b;
            b = DoubleVector.broadcast(D, x[c]).reinterpretAsFloats();
            l0 = lo.fma(b, l0); h0 = hi.fma(b, h0);
            b = DoubleVector.broadcast(D, x[c + 1]).reinterpretAsFloats();
            l1 = lo.fma(b, l1); h1 = hi.fma(b, h1);
            b = DoubleVector.broadcast(D, x[c + 2]).reinterpretAsFloats();
            l2 = lo.fma(b, l2); h2 = hi.fma(b, h2);
            b = DoubleVector.broadcast(D, x[c + 3]).reinterpretAsFloats();
            l3 = lo.fma(b, l3); h3 = hi.fma(b, h3);
            b = DoubleVector.broadcast(D, x[c + 4]).reinterpretAsFloats();
            l4 = lo.fma(b, l4); h4 = hi.fma(b, h4);
            b = DoubleVector.broadcast(D, x[c + 5]).reinterpretAsFloats();
            l5 = lo.fma(b, l5); h5 = hi.fma(b, h5);
            b = DoubleVector.broadcast(D, x[c + 6]).reinterpretAsFloats();
            l6 = lo.fma(b, l6); h6 = hi.fma(b, h6);
            b = DoubleVector.broadcast(D, x[c + 7]).reinterpretAsFloats();
            l7 = lo.fma(b, l7); h7 = hi.fma(b, h7);
        }
        l0.intoArray(sums, 0); h0.intoArray(sums, L); rowSums(sums, out, o);
        if (count > 1) { l1.intoArray(sums, 0); h1.intoArray(sums, L); rowSums(sums, out, o + 1 * stride); }
        if (count > 2) { l2.intoArray(sums, 0); h2.intoArray(sums, L); rowSums(sums, out, o + 2 * stride); }
        if (count > 3) { l3.intoArray(sums, 0); h3.intoArray(sums, L); rowSums(sums, out, o + 3 * stride); }
        if (count > 4) { l4.intoArray(sums, 0); h4.intoArray(sums, L); rowSums(sums, out, o + 4 * stride); }
        if (count > 5) { l5.intoArray(sums, 0); h5.intoArray(sums, L); rowSums(sums, out, o + 5 * stride); }
        if (count > 6) { l6.intoArray(sums, 0); h6.intoArray(sums, L); rowSums(sums, out, o + 6 * stride); }
        if (count > 7) { l7.intoArray(sums, 0); h7.intoArray(sums, L); rowSums(sums, out, o + 7 * stride); }
    }

    /** {@link #tokens8} for five tokens, on machines with 16 vector registers. */
    private static void tokens5(float[] tile, int cols, double[] x, int from, int count, float[] out, int o, int stride, float[] sums) {
        FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, l4 = l0;
        FloatVector h0 = l0, h1 = l0, h2 = l0, h3 = l0, h4 = l0;
        int end = from + cols / 2 * 5;
        for (int c = from, e = 0; c < end; c += 5, e += 2 * L) {
            FloatVector lo = FloatVector.fromArray(F, tile, e), hi = FloatVector.fromArray(F, tile, e + L);
            FloatVector b;
            b = DoubleVector.broadcast(D, x[c]).reinterpretAsFloats();
            l0 = lo.fma(b, l0); h0 = hi.fma(b, h0);
            b = DoubleVector.broadcast(D, x[c + 1]).reinterpretAsFloats();
            l1 = lo.fma(b, l1); h1 = hi.fma(b, h1);
            b = DoubleVector.broadcast(D, x[c + 2]).reinterpretAsFloats();
            l2 = lo.fma(b, l2); h2 = hi.fma(b, h2);
            b = DoubleVector.broadcast(D, x[c + 3]).reinterpretAsFloats();
            l3 = lo.fma(b, l3); h3 = hi.fma(b, h3);
            b = DoubleVector.broadcast(D, x[c + 4]).reinterpretAsFloats();
            l4 = lo.fma(b, l4); h4 = hi.fma(b, h4);
        }
        l0.intoArray(sums, 0); h0.intoArray(sums, L); rowSums(sums, out, o);
        if (count > 1) { l1.intoArray(sums, 0); h1.intoArray(sums, L); rowSums(sums, out, o + 1 * stride); }
        if (count > 2) { l2.intoArray(sums, 0); h2.intoArray(sums, L); rowSums(sums, out, o + 2 * stride); }
        if (count > 3) { l3.intoArray(sums, 0); h3.intoArray(sums, L); rowSums(sums, out, o + 3 * stride); }
        if (count > 4) { l4.intoArray(sums, 0); h4.intoArray(sums, L); rowSums(sums, out, o + 4 * stride); }
    }

    /** out[o + r] = the two lanes of row r summed ({@code sums}: the 2G lanes of a column pair's accumulators). Takes no vectors: one crossing a call the JIT does not inline is boxed. */
    private static void rowSums(float[] sums, float[] out, int o) {
        for (int r = 0; r < L; r++) out[o + r] = sums[2 * r] + sums[2 * r + 1];
    }

    /** out[j * outStride + r0 + i] = tile[i] · xf[j], for i < nr, j < n. */
    static void multiply(float[] tile, int nr, int cols, float[][] xf, int n, float[] out, int r0, int outStride) {
        int blocked = cols % L == 0 ? nr - nr % 4 : 0; // rows done by 4x4 blocks; the kernel needs whole vectors
        for (int i = 0; i < blocked; i += 4) {
            int j = 0;
            for (; j + 4 <= n; j += 4) block4x4(tile, i, cols, xf[j], xf[j + 1], xf[j + 2], xf[j + 3], out, j * outStride + r0 + i, outStride);
            for (; j < n; j++)
                for (int ii = i; ii < i + 4; ii++) out[j * outStride + r0 + ii] = VectorOps.dot(tile, ii * cols, xf[j], 0, cols);
        }
        for (int i = blocked; i < nr; i++)
            for (int j = 0; j < n; j++) out[j * outStride + r0 + i] = VectorOps.dot(tile, i * cols, xf[j], 0, cols);
    }

    /**
     * 4 rows × 4 tokens. Written out in full: a vector passed to or returned from a method the JIT
     * does not inline is boxed, which is 100x slower.
     */
    private static void block4x4(float[] w, int row, int cols, float[] x0, float[] x1, float[] x2, float[] x3,
                                 float[] out, int o, int stride) {
        int w0 = row * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int c = 0; c < cols; c += L) { // cols is a multiple of L (checked by the caller)
            FloatVector a0 = FloatVector.fromArray(F, w, w0 + c), a1 = FloatVector.fromArray(F, w, w1 + c);
            FloatVector a2 = FloatVector.fromArray(F, w, w2 + c), a3 = FloatVector.fromArray(F, w, w3 + c);
            FloatVector b = FloatVector.fromArray(F, x0, c);
            c00 = a0.fma(b, c00); c10 = a1.fma(b, c10); c20 = a2.fma(b, c20); c30 = a3.fma(b, c30);
            b = FloatVector.fromArray(F, x1, c);
            c01 = a0.fma(b, c01); c11 = a1.fma(b, c11); c21 = a2.fma(b, c21); c31 = a3.fma(b, c31);
            b = FloatVector.fromArray(F, x2, c);
            c02 = a0.fma(b, c02); c12 = a1.fma(b, c12); c22 = a2.fma(b, c22); c32 = a3.fma(b, c32);
            b = FloatVector.fromArray(F, x3, c);
            c03 = a0.fma(b, c03); c13 = a1.fma(b, c13); c23 = a2.fma(b, c23); c33 = a3.fma(b, c33);
        }
        out[o] = c00.reduceLanes(VectorOperators.ADD);
        out[o + 1] = c10.reduceLanes(VectorOperators.ADD);
        out[o + 2] = c20.reduceLanes(VectorOperators.ADD);
        out[o + 3] = c30.reduceLanes(VectorOperators.ADD);
        o += stride;
        out[o] = c01.reduceLanes(VectorOperators.ADD);
        out[o + 1] = c11.reduceLanes(VectorOperators.ADD);
        out[o + 2] = c21.reduceLanes(VectorOperators.ADD);
        out[o + 3] = c31.reduceLanes(VectorOperators.ADD);
        o += stride;
        out[o] = c02.reduceLanes(VectorOperators.ADD);
        out[o + 1] = c12.reduceLanes(VectorOperators.ADD);
        out[o + 2] = c22.reduceLanes(VectorOperators.ADD);
        out[o + 3] = c32.reduceLanes(VectorOperators.ADD);
        o += stride;
        out[o] = c03.reduceLanes(VectorOperators.ADD);
        out[o + 1] = c13.reduceLanes(VectorOperators.ADD);
        out[o + 2] = c23.reduceLanes(VectorOperators.ADD);
        out[o + 3] = c33.reduceLanes(VectorOperators.ADD);
    }
}
