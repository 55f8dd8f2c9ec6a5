package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.util.Random;

/**
 * Random-data comparisons of the vector kernels against the scalar reference, shared by the JUnit
 * tests and by {@link NarrowVectorMain} (which runs them in a JVM limited to narrower vectors).
 * Each method throws AssertionError with a message naming the case.
 */
final class KernelCheck {
    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.MXFP4, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.IQ4_XS};

    private KernelCheck() {
    }

    static float[] gaussian(Random rnd, int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * sd);
        return x;
    }

    static Tensor randomTensor(Random rnd, GgmlType type, int rows, int cols) {
        return Tensor.quantize("w", type, gaussian(rnd, rows * cols, 0.5), rows, cols);
    }

    /** Lengths to test: odd lengths for the float types, odd numbers of whole blocks for quantised ones. */
    static int[] lengths(GgmlType type) {
        int l = Species.L;
        return type.blockSize == 1
                ? new int[]{1, 3, l - 1, l, l + 1, 2 * l + 3, 4 * l - 1, 257, 1001}
                : type.blockSize == 32 ? new int[]{32, 3 * 32, 7 * 32, 33 * 32} : new int[]{256, 3 * 256, 5 * 256};
    }

    /** Absolute tolerance for a float dot product: relative to the sum of |products|. */
    static float tolerance(float[] w, float[] x, int xOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.abs((double) w[i] * x[xOff + i]);
        return (float) (2e-6 * s * Math.sqrt(n) + 1e-30);
    }

    /** Vector dot == scalar reference dot, for every length, at a row offset and an activation offset. */
    static void dotMatchesReference(GgmlType type, long seed) {
        Random rnd = new Random(seed);
        TypeKernel k = TypeKernel.of(type);
        for (int n : lengths(type)) {
            int xOff = type.blockSize == 1 ? 3 : 2 * type.blockSize;
            Tensor t = randomTensor(rnd, type, 2, n);
            float[] x = gaussian(rnd, n + xOff, 1.0);
            Activations a = new Activations(n + xOff).encode(k.activationType(), x, 0, n + xOff);
            float[] row = new float[n];
            t.row(1, row);
            float ref = k.dotReference(t.data(), t.rowBytes(), a, xOff, n);
            float vec = k.dot(t.data(), t.rowBytes(), a, xOff, n);
            float[] decoded = decodedActivations(a, n + xOff);
            float tol = tolerance(row, decoded, xOff, n);
            if (!(Math.abs(ref - vec) <= tol))
                throw new AssertionError(type + " n=" + n + ": vector dot " + vec + " vs reference " + ref + " (tolerance " + tol + ", " + Species.describe() + ")");
        }
    }

    /** dot4 == four dots. */
    static void dot4MatchesDot(GgmlType type, long seed) {
        Random rnd = new Random(seed);
        TypeKernel k = TypeKernel.of(type);
        for (int n : lengths(type)) {
            Tensor t = randomTensor(rnd, type, 3, n);
            Activations[] a = new Activations[4];
            for (int i = 0; i < 4; i++) a[i] = new Activations(n).encode(k.activationType(), gaussian(rnd, n, 1 + i), 0, n);
            float[] out = new float[4 * 5 + 2];
            k.dot4(t.data(), 2 * t.rowBytes(), a[0], a[1], a[2], a[3], n, out, 2, 5);
            float[] row = new float[n];
            t.row(2, row);
            for (int i = 0; i < 4; i++) {
                float want = k.dotReference(t.data(), 2 * t.rowBytes(), a[i], 0, n);
                float tol = tolerance(row, decodedActivations(a[i], n), 0, n);
                if (!(Math.abs(out[2 + 5 * i] - want) <= tol))
                    throw new AssertionError(type + " n=" + n + ": dot4[" + i + "] " + out[2 + 5 * i] + " vs " + want + " (" + Species.describe() + ")");
            }
        }
    }

    /** The activations as the kernels see them, back as floats. */
    static float[] decodedActivations(Activations a, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++)
            out[i] = switch (a.type()) {
                case Q8_0 -> a.scale[i / 32] * a.q[i];
                case Q8_K -> a.kScale[i / 256] * a.q[i];
                default -> a.f[i];
            };
        return out;
    }

    /** Vectorised Q8_0 activation quantisation == the scalar statement of ggml's x86 rule. */
    static void activationQuantMatchesScalar(long seed) {
        Random rnd = new Random(seed);
        int n = 32 * 9;
        float[] x = gaussian(rnd, n, 3);
        Activations a = new Activations(n).encode(ActivationType.Q8_0, x, 0, n);
        for (int b = 0; b < n / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            float id = 127f / amax;
            for (int j = 0; j < 32; j++)
                if (a.q[b * 32 + j] != (int) Math.rint(x[b * 32 + j] * id))
                    throw new AssertionError("Q8_0 activation quant " + (b * 32 + j) + " (" + Species.describe() + ")");
        }
    }

    /** Kernels.matmul for n tokens against Σ deq(W)·x in double, x as the kernels see it (AssertionError on a mismatch). */
    static void matmulMatchesDoubleSum(GgmlType type, int rows, int cols, int[] tokens, long seed) {
        Random rnd = new Random(seed);
        Tensor w = KernelCheck.randomTensor(rnd, type, rows, cols);
        float[] wf = w.toFloats();
        for (int n : tokens) {
            float[] x = KernelCheck.gaussian(rnd, n * cols, 1), out = new float[n * rows];
            Activations[] scratch = new Activations[n];
            for (int i = 0; i < n; i++) scratch[i] = new Activations(cols);
            Kernels.matmul(w, x, n, out, scratch);
            Activations a = new Activations(cols);
            float[] row = new float[cols];
            for (int t = 0; t < n; t++) {
                a.encode(type == GgmlType.F32 ? ActivationType.F32 : w.kernel().activationType(), x, t * cols, cols);
                float[] xf = KernelCheck.decodedActivations(a, cols);
                for (int r = 0; r < rows; r++) {
                    double want = 0;
                    for (int c = 0; c < cols; c++) want += (double) wf[r * cols + c] * xf[c];
                    System.arraycopy(wf, r * cols, row, 0, cols);
                    float got = out[t * rows + r], tol = KernelCheck.tolerance(row, xf, 0, cols);
                    if (!(Math.abs(want - got) <= tol)) throw new AssertionError(type + " n=" + n + " token " + t + " row " + r + ": " + got + " vs " + want);
                }
            }
        }
    }

    /**
     * Kernels.matvecBatch row i == Kernels.matvec of activation row i, bit for bit, packed where the
     * type packs (rows past the last group included), for 4 and 9 sequences (the 4- and
     * 8-sequence packed kernels and the single one). Meant for a JVM without C2 (the child of
     * NarrowVectorTest): the row kernels' lane sums differ between C2 and the other tiers.
     */
    static void matvecBatchMatchesMatvec(GgmlType type, long seed) {
        Random rnd = new Random(seed);
        int rows = 2 * PackedRows.G + 3, cols = 512;
        Tensor w = randomTensor(rnd, type, rows, cols).packedForProducts();
        for (int n : new int[]{4, 9}) {
            float[] x = gaussian(rnd, n * cols, 1), got = new float[n * rows], xi = new float[cols], want = new float[rows];
            Activations[] scratch = new Activations[n];
            for (int i = 0; i < n; i++) scratch[i] = new Activations(cols);
            Kernels.matvecBatch(w, x, n, got, scratch);
            for (int i = 0; i < n; i++) {
                System.arraycopy(x, i * cols, xi, 0, cols);
                Kernels.matvec(w, xi, want, new Activations(cols));
                for (int r = 0; r < rows; r++)
                    if (Float.floatToRawIntBits(want[r]) != Float.floatToRawIntBits(got[i * rows + r]))
                        throw new AssertionError(type + (w.packed() != null ? " packed" : "") + " n=" + n + " sequence " + i + " row " + r
                                + ": batched " + got[i * rows + r] + " vs alone " + want[r] + " (" + Species.describe() + ")");
            }
        }
    }
}
