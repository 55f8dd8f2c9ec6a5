package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** matvec against a naive double-precision loop; matmul against matvec; threads against one thread. */
class KernelsTest {
    // rows: not a multiple of the matmul tile, and enough (>= 2 x the grain of 64) to be split over threads
    private static final int ROWS = 131, COLS = 96;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Parallel.defaultThreads());
    }

    /** Σ deq(W[r])·deq(x) in double, with x decoded as the kernel sees it. */
    private static float[] naive(Tensor w, Activations a) {
        float[] wf = w.toFloats(), xf = KernelCheck.decodedActivations(a, w.cols());
        float[] out = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            double s = 0;
            for (int c = 0; c < w.cols(); c++) s += (double) wf[r * w.cols() + c] * xf[c];
            out[r] = (float) s;
        }
        return out;
    }

    private static void assertClose(float[] want, float[] got, Tensor w, Activations a, String what) {
        float[] wf = w.toFloats(), xf = KernelCheck.decodedActivations(a, w.cols()), row = new float[w.cols()];
        for (int r = 0; r < want.length; r++) {
            System.arraycopy(wf, r * w.cols(), row, 0, w.cols());
            float tol = KernelCheck.tolerance(row, xf, 0, w.cols());
            assertTrue(Math.abs(want[r] - got[r]) <= tol, what + " " + w.type() + " row " + r + ": " + got[r] + " vs " + want[r]);
        }
    }

    @ParameterizedTest
    // not Q4_1/Q5_1: their offset term uses ggml's Q8_1 block sum (d before F16 rounding, the sum through
    // F16), which the decoded activations do not carry; KernelCheck holds them to their reference dot
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "IQ4_NL", "MXFP4"})
    void matvecMatchesNaiveLoop(GgmlType type) {
        Random rnd = new Random(21);
        Tensor w = KernelCheck.randomTensor(rnd, type, ROWS, COLS);
        float[] x = KernelCheck.gaussian(rnd, COLS, 1);
        Activations a = new Activations(COLS);
        float[] out = new float[ROWS];
        Kernels.matvec(w, x, out, a);
        assertClose(naive(w, a), out, w, a, "matvec");
        float[] ref = new float[ROWS];
        Kernels.matvecReference(w, x, ref, a);
        assertClose(naive(w, a), ref, w, a, "matvecReference");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "MXFP4"})
    void matmulMatchesMatvecs(GgmlType type) {
        Random rnd = new Random(22);
        Tensor w = KernelCheck.randomTensor(rnd, type, ROWS, COLS);
        for (int n : new int[]{1, 4, 7}) { // no full group, one group, a group and a remainder
            float[] x = KernelCheck.gaussian(rnd, n * COLS, 1);
            Activations[] scratch = new Activations[n];
            for (int i = 0; i < n; i++) scratch[i] = new Activations(COLS);
            float[] out = new float[n * ROWS];
            Kernels.matmul(w, x, n, out, scratch);
            Activations a = new Activations(COLS);
            for (int i = 0; i < n; i++) {
                float[] xi = new float[COLS], want = new float[ROWS], got = new float[ROWS];
                System.arraycopy(x, i * COLS, xi, 0, COLS);
                Kernels.matvec(w, xi, want, a);
                System.arraycopy(out, i * ROWS, got, 0, ROWS);
                assertClose(want, got, w, a, "matmul n=" + n + " row " + i);
            }
        }
    }

    /** Rows are independent, so the split over threads must not change a single bit. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "MXFP4"})
    void parallelEqualsSingleThread(GgmlType type) {
        Random rnd = new Random(23);
        Tensor w = KernelCheck.randomTensor(rnd, type, ROWS, COLS);
        int n = 6;
        float[] x = KernelCheck.gaussian(rnd, n * COLS, 1);
        Activations[] scratch = new Activations[n];
        for (int i = 0; i < n; i++) scratch[i] = new Activations(COLS);
        Activations a = new Activations(COLS);

        Parallel.setThreads(1);
        float[] mv1 = new float[ROWS], mm1 = new float[n * ROWS];
        Kernels.matvec(w, x, mv1, a);
        Kernels.matmul(w, x, n, mm1, scratch);
        Parallel.setThreads(3);
        float[] mv3 = new float[ROWS], mm3 = new float[n * ROWS];
        Kernels.matvec(w, x, mv3, a);
        Kernels.matmul(w, x, n, mm3, scratch);
        // rows are split, never a dot product, so the sums are the same; only a kernel that runs
        // interpreted in one call and JIT-compiled in the other (the Vector API's fallback adds
        // lanes in another order) can differ, by float rounding
        assertArrayEquals(mv1, mv3, 1e-5f);
        assertArrayEquals(mm1, mm3, 1e-5f);
    }
}
