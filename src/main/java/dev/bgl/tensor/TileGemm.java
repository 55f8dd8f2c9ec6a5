package dev.bgl.tensor;

import jdk.incubator.vector.FloatVector;
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
