package dev.bgl.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one matrix product training needs, in the form that vectorises without horizontal sums:
 * {@code C[m][n] (+)= Σ_k A[m][k]·B[k][n]} with B and C row-major and A addressed by strides (so
 * that a transposed A costs nothing). Each A element is broadcast and multiplied into a vector
 * row of B; a 4×2-vector tile of C stays in registers for the whole k loop. Columns of B are
 * walked in strips (outer loop) so that the strip (K × 2 vectors) stays in L1 while A streams.
 * Single-threaded: the trainer parallelises over sequences.
 */
public final class Gemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private Gemm() {
    }

    /**
     * @param aRow stride between rows (m) of A; {@code aCol} stride between its columns (k)
     * @param accumulate add to C instead of overwriting it
     */
    public static void mul(int M, int N, int K, float[] a, int aOff, int aRow, int aCol,
                    float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        int n = 0;
        for (; n + 2 * L <= N; n += 2 * L) {
            int m = 0;
            for (; m + 4 <= M; m += 4) tile4x2(m, n, K, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, accumulate);
            for (; m < M; m++) tile1(m, n, 2, K, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
        for (; n + L <= N; n += L)
            for (int m = 0; m < M; m++) tile1(m, n, 1, K, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, accumulate);
        if (n < N) scalarColumns(M, n, N, K, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    private static void tile4x2(int m, int n, int K, float[] a, int aOff, int aRow, int aCol,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector s00, s01, s10, s11, s20, s21, s30, s31;
        if (acc) {
            s00 = FloatVector.fromArray(F, c, c0);
            s01 = FloatVector.fromArray(F, c, c0 + L);
            s10 = FloatVector.fromArray(F, c, c1);
            s11 = FloatVector.fromArray(F, c, c1 + L);
            s20 = FloatVector.fromArray(F, c, c2);
            s21 = FloatVector.fromArray(F, c, c2 + L);
            s30 = FloatVector.fromArray(F, c, c3);
            s31 = FloatVector.fromArray(F, c, c3 + L);
        } else {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = FloatVector.zero(F);
        }
        int a0 = aOff + m * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        int bo = bOff + n;
        for (int k = 0, ak = 0; k < K; k++, ak += aCol, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(F, b, bo), b1 = FloatVector.fromArray(F, b, bo + L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + ak]);
            s00 = x.fma(b0, s00);
            s01 = x.fma(b1, s01);
            x = FloatVector.broadcast(F, a[a1 + ak]);
            s10 = x.fma(b0, s10);
            s11 = x.fma(b1, s11);
            x = FloatVector.broadcast(F, a[a2 + ak]);
            s20 = x.fma(b0, s20);
            s21 = x.fma(b1, s21);
            x = FloatVector.broadcast(F, a[a3 + ak]);
            s30 = x.fma(b0, s30);
            s31 = x.fma(b1, s31);
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + L);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + L);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + L);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + L);
    }

    /** One row of C, {@code vecs} (1 or 2) vectors wide. */
    private static void tile1(int m, int n, int vecs, int K, float[] a, int aOff, int aRow, int aCol,
                              float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        FloatVector s0 = acc ? FloatVector.fromArray(F, c, c0) : FloatVector.zero(F);
        FloatVector s1 = vecs == 2 ? (acc ? FloatVector.fromArray(F, c, c0 + L) : FloatVector.zero(F)) : null;
        int a0 = aOff + m * aRow, bo = bOff + n;
        for (int k = 0, ak = 0; k < K; k++, ak += aCol, bo += ldb) {
            FloatVector x = FloatVector.broadcast(F, a[a0 + ak]);
            s0 = x.fma(FloatVector.fromArray(F, b, bo), s0);
            if (vecs == 2) s1 = x.fma(FloatVector.fromArray(F, b, bo + L), s1);
        }
        s0.intoArray(c, c0);
        if (vecs == 2) s1.intoArray(c, c0 + L);
    }

    private static void scalarColumns(int M, int n0, int N, int K, float[] a, int aOff, int aRow, int aCol,
                                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        for (int m = 0; m < M; m++) {
            int a0 = aOff + m * aRow;
            for (int n = n0; n < N; n++) {
                float s = acc ? c[cOff + m * ldc + n] : 0f;
                for (int k = 0; k < K; k++) s = Math.fma(a[a0 + k * aCol], b[bOff + k * ldb + n], s);
                c[cOff + m * ldc + n] = s;
            }
        }
    }
}
