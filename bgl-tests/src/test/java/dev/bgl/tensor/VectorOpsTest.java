package dev.bgl.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** VectorOps against plain double-precision statements of each formula, on odd lengths (vector body + tail). */
class VectorOpsTest {
    private static final int[] LENGTHS = {1, 5, Species.L - 1, Species.L, 2 * Species.L + 1, 128, 1003};
    private final Random rnd = new Random(31);

    private float[] rand(int n) {
        return KernelCheck.gaussian(rnd, n, 2);
    }

    @Test
    void dot() {
        for (int n : LENGTHS) {
            float[] a = rand(n + 2), b = rand(n + 5);
            double want = 0, abs = 0;
            for (int i = 0; i < n; i++) {
                want += (double) a[2 + i] * b[5 + i];
                abs += Math.abs((double) a[2 + i] * b[5 + i]);
            }
            assertEquals(want, VectorOps.dot(a, 2, b, 5, n), 1e-6 * abs + 1e-30, "n=" + n);
        }
    }

    @Test
    void matVecTransposedOverColumnRanges() {
        int[] outDims = {1, Species.L - 1, Species.L, 4 * Species.L, 4 * Species.L + 3, 6 * Species.L + 5, 96};
        for (int outDim : outDims)
            for (int inDim : new int[]{1, 7, 128}) {
                float[] w = rand(outDim * inDim), x = rand(inDim + 4), bias = rand(outDim);
                float[] wt = VectorOps.transpose(w, outDim, inDim);
                for (int o = 0; o < outDim; o++)
                    for (int i = 0; i < inDim; i++) assertEquals(w[o * inDim + i], wt[i * outDim + o]);
                // two ranges that split the columns off the vector boundaries; the output sits at an offset
                int split = outDim / 3, off = 2;
                for (boolean withBias : new boolean[]{true, false}) {
                    float[] out = new float[outDim + off + 1];
                    out[0] = out[1] = out[outDim + off] = 7f;
                    float[] b = withBias ? bias : null;
                    VectorOps.matVecT(wt, inDim, outDim, x, 4, b, out, off, 0, split);
                    VectorOps.matVecT(wt, inDim, outDim, x, 4, b, out, off, split, outDim);
                    for (int o = 0; o < outDim; o++) {
                        double want = withBias ? bias[o] : 0, abs = Math.abs(want);
                        for (int i = 0; i < inDim; i++) {
                            want += (double) w[o * inDim + i] * x[4 + i];
                            abs += Math.abs((double) w[o * inDim + i] * x[4 + i]);
                        }
                        assertEquals(want, out[off + o], 1e-6 * abs + 1e-30, "out=" + outDim + " in=" + inDim + " o=" + o);
                    }
                    assertEquals(7f, out[0]);
                    assertEquals(7f, out[1]);
                    assertEquals(7f, out[outDim + off], "wrote past the range");
                }
            }
    }

    @Test
    void scaledAddAddMulScale() {
        for (int n : LENGTHS) {
            float[] y = rand(n + 3), x = rand(n + 1), y0 = y.clone();
            VectorOps.scaledAdd(y, 3, 0.75f, x, 1, n);
            for (int i = 0; i < n + 3; i++) {
                float want = i < 3 ? y0[i] : (float) (y0[i] + 0.75 * x[i - 2]);
                assertEquals(want, y[i], Math.ulp(want) + 1e-7f, "scaledAdd n=" + n + " i=" + i);
            }
            float[] p = rand(n), q = rand(n), s = new float[n];
            VectorOps.mul(s, p, q, n);
            for (int i = 0; i < n; i++) assertEquals(p[i] * q[i], s[i], 0f);
            float[] r = p.clone();
            VectorOps.add(r, q, n);
            for (int i = 0; i < n; i++) assertEquals(p[i] + q[i], r[i], 0f);
            VectorOps.scale(r, 0, 3f, n);
            for (int i = 0; i < n; i++) assertEquals((p[i] + q[i]) * 3f, r[i], 0f);
        }
    }

    @Test
    void rmsnorm() {
        for (int n : LENGTHS) {
            float[] x = rand(n + 4), w = rand(n), out = new float[n + 1];
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double) x[4 + i] * x[4 + i];
            double scale = 1 / Math.sqrt(ss / n + 1e-6);
            VectorOps.rmsnorm(out, 1, x, 4, w, 1e-6f, n);
            for (int i = 0; i < n; i++) {
                double want = x[4 + i] * scale * w[i];
                assertEquals(want, out[1 + i], 4e-7 * Math.abs(want) + 1e-30, "n=" + n + " i=" + i);
            }
        }
        // all-equal input normalises to ±1 (times the weight)
        float[] x = {3, -3, 3, -3, 3}, w = {1, 1, 2, 1, 1}, out = new float[5];
        VectorOps.rmsnorm(out, x, w, 0f, 5);
        assertEquals(1f, out[0], 1e-6f);
        assertEquals(-1f, out[1], 1e-6f);
        assertEquals(2f, out[2], 1e-6f);
    }

    @Test
    void softmaxAndMax() {
        for (int n : LENGTHS) {
            float[] x = rand(n + 2);
            x[2 + n / 2] = 80f; // large value: without max subtraction exp would overflow
            x[2 + n - 1] = 85f;
            float max = 0;
            double sum = 0;
            for (int i = 0; i < n; i++) max = i == 0 ? x[2] : Math.max(max, x[2 + i]);
            assertEquals(max, VectorOps.max(x, 2, n), 0f);
            for (int i = 0; i < n; i++) sum += Math.exp(x[2 + i] - max);
            float[] y = x.clone();
            VectorOps.softmax(y, 2, n);
            double total = 0;
            for (int i = 0; i < n; i++) {
                double want = Math.exp(x[2 + i] - max) / sum;
                assertEquals(want, y[2 + i], 2e-6 * want + 1e-12, "n=" + n + " i=" + i);
                total += y[2 + i];
            }
            assertEquals(1.0, total, 1e-5);
            assertEquals(x[0], y[0], 0f);
            assertEquals(x[1], y[1], 0f);
        }
        float[] two = {0f, (float) Math.log(3)};
        VectorOps.softmax(two, 0, 2);
        assertEquals(0.25f, two[0], 1e-7f);
        assertEquals(0.75f, two[1], 1e-7f);
    }

    @Test
    void siluAndSwiglu() {
        assertEquals(0f, VectorOps.silu(0f));
        assertEquals(1 / (1 + Math.exp(-1)), VectorOps.silu(1f), 1e-7);
        for (int n : LENGTHS) {
            float[] g = rand(n + 1), up = rand(n), s = g.clone(), m = new float[n];
            System.arraycopy(g, 1, m, 0, n);
            VectorOps.silu(s, 1, n);
            VectorOps.siluMul(m, up, n);
            for (int i = 0; i < n; i++) {
                double v = g[1 + i], want = v / (1 + Math.exp(-v));
                assertEquals(want, s[1 + i], 3e-7 * Math.abs(want) + 1e-30, "silu n=" + n + " i=" + i);
                assertEquals(want * up[i], m[i], 4e-7 * Math.abs(want * up[i]) + 1e-30, "siluMul n=" + n + " i=" + i);
            }
        }
    }
}
