package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

/**
 * Run by {@link NarrowVectorTest} in a JVM started with {@code -XX:MaxVectorSize=N}: prints the
 * float lane count it got, then runs the vector-vs-reference checks; exits 1 on a mismatch.
 */
public final class NarrowVectorMain {
    public static void main(String[] args) {
        System.out.println("lanes=" + Species.L + " " + Species.describe());
        try {
            for (GgmlType t : KernelCheck.TYPES) {
                KernelCheck.dotMatchesReference(t, 41);
                KernelCheck.dot4MatchesDot(t, 42);
            }
            KernelCheck.activationQuantMatchesScalar(43);
            for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K}) // the tiled prefill product
                KernelCheck.matmulMatchesDoubleSum(t, 21, 256, new int[]{Kernels.TILE_GEMM_MIN_TOKENS, 13}, 44);
            for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K}) // the batched decode product
                KernelCheck.matvecBatchMatchesMatvec(t, 45);
            float[] x = {1, 2, 3, 4, 5, 6, 7}, w = {1, 1, 1, 1, 1, 1, 1}, out = new float[7];
            VectorOps.rmsnorm(out, x, w, 0, 7);
            if (Math.abs(out[6] - 7 / Math.sqrt(140.0 / 7)) > 1e-6) throw new AssertionError("rmsnorm " + out[6]);
            System.out.println("ok");
        } catch (AssertionError e) {
            System.out.println("FAIL " + e.getMessage());
            System.exit(1);
        }
    }
}
