package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The batched decode product gives each sequence bitwise what it gets alone: row i of
 * {@link Kernels#matvecBatch} is {@link Kernels#matvec} of activation row i, for every type the
 * engine computes with, packed or as stored, with rows past the last packed group, every batch
 * size around the kernels' groups of four, on one thread and on two.
 */
class MatvecBatchTest {
    private static final int[] BATCHES = {1, 2, 3, 4, 5, 7, 8, 16, 17};

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Parallel.defaultThreads());
    }

    static GgmlType[] types() {
        return KernelCheck.TYPES;
    }

    /**
     * Asserts row i of matvecBatch(w, x, n) == matvec(w, x row i), bit for bit. The row kernels
     * (types without packing, rows past the last group) sum lanes with {@code reduceLanes}, whose
     * order differs between the interpreter and C2's code: a kernel compiled between the two calls
     * changes matvec's own result in the last bit. So a mismatch is retried after more calls (C2
     * compiles the kernels meanwhile) and fails only if it persists, as a wrong product does.
     * C2 may also compile the same row kernel differently at its two call sites (inlined into
     * different loops), so for those rows a persisting difference in the last bits (1e-5 relative:
     * a reordered sum of a few hundred products) is accepted; the packed kernels, which sum no
     * lanes, must agree bit for bit.
     */
    private static void batchMatchesSingle(Tensor w, float[] x, int n) {
        for (int attempt = 0; ; attempt++) {
            String mismatch = firstMismatch(w, x, n, attempt == 8);
            if (mismatch == null) return;
            if (attempt == 8) throw new AssertionError(mismatch);
            for (int i = 0; i < 200; i++) firstMismatch(w, x, n, false);
        }
    }

    private static String firstMismatch(Tensor w, float[] x, int n, boolean rowKernelUlps) {
        int packedRows = w.packed() == null ? 0 : w.packed().groups() * PackedRows.G;
        int rows = w.rows(), cols = w.cols();
        Activations[] scratch = new Activations[n];
        for (int i = 0; i < n; i++) scratch[i] = new Activations(cols);
        float[] got = new float[n * rows];
        Arrays.fill(got, Float.NaN);
        Kernels.matvecBatch(w, x, n, got, scratch);
        float[] xi = new float[cols], want = new float[rows];
        Activations a = new Activations(cols);
        for (int i = 0; i < n; i++) {
            System.arraycopy(x, i * cols, xi, 0, cols);
            Kernels.matvec(w, xi, want, a);
            for (int r = 0; r < rows; r++) {
                int j = i * rows + r;
                if (rowKernelUlps && r >= packedRows && Math.abs(want[r] - got[j]) <= 1e-5f * Math.max(1f, Math.abs(want[r]))) continue;
                if (Float.floatToRawIntBits(want[r]) != Float.floatToRawIntBits(got[j]))
                    return w.type() + (w.packed() != null ? " packed" : "") + " " + rows + "x" + cols + " n=" + n
                            + " sequence " + i + " row " + r + ": batched " + got[j] + " vs alone " + want[r] + " (" + Species.describe() + ")";
            }
        }
        return null;
    }

    /** Random weights (one row all zero) and activations (one sequence all zero): every batch size, packed where the type packs. */
    private static void randomBatchesMatchSingle(GgmlType type, long seed) {
        Random rnd = new Random(seed);
        int rows = 2 * PackedRows.G + 5; // 5 rows past the last group
        // Q8_0: 7 blocks (one slice per block) and 16 (four blocks per slice); K-quants: 1 and 3 super-blocks
        int[] colsList = type.blockSize == 1 ? new int[]{64, 200} : type.blockSize == 32 ? new int[]{7 * 32, 16 * 32} : new int[]{256, 3 * 256};
        for (int cols : colsList) {
            float[] wf = KernelCheck.gaussian(rnd, rows * cols, 0.5);
            Arrays.fill(wf, 3 * cols, 4 * cols, 0f);
            Tensor w = Tensor.quantize("w", type, wf, rows, cols);
            Tensor p = w.packedForProducts();
            for (int n : BATCHES) {
                float[] x = KernelCheck.gaussian(rnd, n * cols, 1);
                if (n > 2) Arrays.fill(x, cols, 2 * cols, 0f);
                batchMatchesSingle(w, x, n);
                if (p != w) batchMatchesSingle(p, x, n);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void batchedRowsAreBitwiseTheSingleProducts(GgmlType type) {
        Parallel.setThreads(1);
        randomBatchesMatchSingle(type, 11);
    }

    @ParameterizedTest
    @MethodSource("types")
    void batchedRowsAreBitwiseTheSingleProductsOnTwoThreads(GgmlType type) {
        Parallel.setThreads(2);
        randomBatchesMatchSingle(type, 12);
    }

    /**
     * The largest integer block sums the batched kernels form in float lanes: weight quants at
     * −128 and 127 (−128 only from hand-written bytes; the quantiser stops at −127) against
     * activation quants at ±127, so a block's sum reaches 32 · 128 · 127.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K"})
    void extremeBlockSumsStayExact(GgmlType type) {
        Assumptions.assumeTrue(PackedRows.enabled(), "packing needs vectors of at least 8 floats");
        int rows = 2 * PackedRows.G, cols = 512;
        float[] wf = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) wf[r * cols + c] = r % 3 == 0 ? 1 : r % 3 == 1 ? -1 : (c % 2 == 0 ? 1 : -1);
        Tensor w = Tensor.quantize("w", type, wf, rows, cols);
        if (type == GgmlType.Q8_0) // rows 1 mod 3: every quant -128 instead of -127
            for (int r = 1; r < rows; r += 3)
                for (int b = 0; b < cols / 32; b++)
                    for (int c = 0; c < 32; c++) w.data().set(ValueLayout.JAVA_BYTE, r * w.rowBytes() + 34L * b + 2 + c, (byte) -128);
        Tensor p = w.packedForProducts();
        assertNotNull(p.packed(), "packed");
        for (int n : new int[]{4, 9}) {
            float[] x = new float[n * cols];
            for (int i = 0; i < n; i++)
                for (int c = 0; c < cols; c++) x[i * cols + c] = i % 2 == 0 ? 1 : (c % 2 == 0 ? -1 : 1);
            x[cols] = -2; // a block whose scale comes from a negative maximum
            batchMatchesSingle(p, x, n);
        }
    }

    /** The batched kernels read the same activations as matvec: a second batch after re-encoding gives its own products. */
    @Test
    void scratchReusedAcrossCallsCarriesNothingOver() {
        Random rnd = new Random(4);
        int rows = 3 * PackedRows.G, cols = 256, n = 5;
        Tensor p = KernelCheck.randomTensor(rnd, GgmlType.Q8_0, rows, cols).packedForProducts();
        Activations[] scratch = new Activations[n];
        for (int i = 0; i < n; i++) scratch[i] = new Activations(cols);
        float[] out = new float[n * rows];
        Kernels.matvecBatch(p, KernelCheck.gaussian(rnd, n * cols, 1), n, out, scratch);
        float[] x = KernelCheck.gaussian(rnd, n * cols, 3), again = new float[n * rows], fresh = new float[n * rows];
        Kernels.matvecBatch(p, x, n, again, scratch);
        Activations[] other = new Activations[n];
        for (int i = 0; i < n; i++) other[i] = new Activations(cols);
        Kernels.matvecBatch(p, x, n, fresh, other);
        for (int j = 0; j < fresh.length; j++) assertEquals(Float.floatToRawIntBits(fresh[j]), Float.floatToRawIntBits(again[j]), "at " + j);
    }
}
