package dev.bgl.model;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LlamaPermutationTest {

    @Test
    void handWorkedSmallCases() {
        // w.reshape(n_head, 2, d/2, cols).swapaxes(1, 2): within a head the rows interleave the two halves.
        // 2 heads, head_dim 4: halves {0,1},{2,3} -> 0,2,1,3.
        assertArrayEquals(new int[]{0, 2, 1, 3, 4, 6, 5, 7}, LlamaPermutation.hfRowOfGgufRow(8, 2));
        // 1 head, head_dim 6: halves {0,1,2},{3,4,5} -> 0,3,1,4,2,5 (not an involution, so direction matters).
        assertArrayEquals(new int[]{0, 3, 1, 4, 2, 5}, LlamaPermutation.hfRowOfGgufRow(6, 1));
        assertArrayEquals(new int[]{0, 2, 4, 1, 3, 5}, LlamaPermutation.ggufRowOfHfRow(6, 1));
    }

    @Test
    void forwardAndInverseAreExactInverses() {
        int[][] cases = {{8, 2}, {6, 1}, {64, 4}, {96, 12}, {4096, 32}, {1024, 8}, {2, 1}};
        for (int[] c : cases) {
            int[] fwd = LlamaPermutation.hfRowOfGgufRow(c[0], c[1]);
            int[] inv = LlamaPermutation.ggufRowOfHfRow(c[0], c[1]);
            for (int r = 0; r < c[0]; r++) {
                assertEquals(r, inv[fwd[r]], "rows " + c[0] + " heads " + c[1]);
                assertEquals(r, fwd[inv[r]], "rows " + c[0] + " heads " + c[1]);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> LlamaPermutation.hfRowOfGgufRow(6, 2)); // odd head size
        assertThrows(IllegalArgumentException.class, () -> LlamaPermutation.hfRowOfGgufRow(10, 4));
    }

    @Test
    void permuteRowsMovesWholeRows() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(6 * 3);
            for (int r = 0; r < 6; r++) for (int c = 0; c < 3; c++) src.set(ValueLayout.JAVA_BYTE, r * 3 + c, (byte) (10 * r + c));
            MemorySegment dst = LlamaPermutation.permuteRows(src, 3, LlamaPermutation.hfRowOfGgufRow(6, 1), arena);
            int[] expectRows = {0, 3, 1, 4, 2, 5};
            for (int r = 0; r < 6; r++)
                for (int c = 0; c < 3; c++) assertEquals((byte) (10 * expectRows[r] + c), dst.get(ValueLayout.JAVA_BYTE, r * 3 + c));
        }
    }

    /**
     * The reason for the permutation: HF's rotate_half RoPE on HF rows gives the same attention
     * scores as llama.cpp's NORMAL (adjacent-pair) RoPE on the permuted rows.
     */
    @Test
    void normalRopeOnPermutedRowsGivesHfScores() {
        int dim = 16, heads = 4, kvHeads = 2, d = 8;
        Random rnd = new Random(7);
        float[][] wq = randomMatrix(heads * d, dim, rnd), wk = randomMatrix(kvHeads * d, dim, rnd);
        float[] x1 = randomVector(dim, rnd), x2 = randomVector(dim, rnd);
        float[][] wqG = permute(wq, LlamaPermutation.hfRowOfGgufRow(heads * d, heads));
        float[][] wkG = permute(wk, LlamaPermutation.hfRowOfGgufRow(kvHeads * d, kvHeads));
        int p1 = 5, p2 = 2;
        float[] qH = mul(wq, x1), kH = mul(wk, x2), qG = mul(wqG, x1), kG = mul(wkG, x2);
        for (int h = 0; h < heads; h++) {
            int kh = h / (heads / kvHeads);
            double hf = dot(ropeNeox(qH, h * d, d, p1), ropeNeox(kH, kh * d, d, p2));
            double gg = dot(ropeNormal(qG, h * d, d, p1), ropeNormal(kG, kh * d, d, p2));
            assertEquals(hf, gg, 1e-4 * Math.max(1, Math.abs(hf)), "head " + h);
        }
        // Without the permutation the scores differ: the test can tell.
        double wrong = dot(ropeNormal(qH, 0, d, p1), ropeNormal(kH, 0, d, p2));
        double right = dot(ropeNeox(qH, 0, d, p1), ropeNeox(kH, 0, d, p2));
        assertNotEquals(right, wrong, 1e-3);
    }

    private static double theta(int i, int d, int pos) {
        return pos * Math.pow(10000.0, -2.0 * i / d);
    }

    static double[] ropeNeox(float[] v, int off, int d, int pos) {
        double[] o = new double[d];
        for (int i = 0; i < d / 2; i++) {
            double c = Math.cos(theta(i, d, pos)), s = Math.sin(theta(i, d, pos));
            double a = v[off + i], b = v[off + i + d / 2];
            o[i] = a * c - b * s;
            o[i + d / 2] = b * c + a * s;
        }
        return o;
    }

    static double[] ropeNormal(float[] v, int off, int d, int pos) {
        double[] o = new double[d];
        for (int i = 0; i < d / 2; i++) {
            double c = Math.cos(theta(i, d, pos)), s = Math.sin(theta(i, d, pos));
            double a = v[off + 2 * i], b = v[off + 2 * i + 1];
            o[2 * i] = a * c - b * s;
            o[2 * i + 1] = b * c + a * s;
        }
        return o;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static float[] mul(float[][] w, float[] x) {
        float[] y = new float[w.length];
        for (int r = 0; r < w.length; r++) for (int c = 0; c < x.length; c++) y[r] += w[r][c] * x[c];
        return y;
    }

    private static float[][] permute(float[][] w, int[] srcRow) {
        float[][] o = new float[w.length][];
        for (int r = 0; r < w.length; r++) o[r] = w[srcRow[r]].clone();
        return o;
    }

    private static float[][] randomMatrix(int rows, int cols, Random rnd) {
        float[][] m = new float[rows][];
        for (int r = 0; r < rows; r++) m[r] = randomVector(cols, rnd);
        return m;
    }

    private static float[] randomVector(int n, Random rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
