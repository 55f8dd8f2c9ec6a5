package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.tensor.Activations;
import dev.bgl.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The expert mixture against a direct computation in doubles, with a router built so that experts
 * 0 and 1 win for every token and every other expert's weights are NaN: the output is finite only
 * if the experts the router leaves out are never read.
 */
class ExpertMixtureTest {
    static final int DIM = 32, FFN = 16, COUNT = 8, USED = 2, N = 3;

    @Test
    void routesToTheTopExpertsAndReadsNoOther() {
        check(true);
    }

    @Test
    void withoutNormalisationTheChosenProbabilitiesAreUsedAsThey() {
        check(false);
    }

    @AfterEach
    void restoreThreads() {
        dev.bgl.tensor.Parallel.setThreads(dev.bgl.tensor.Parallel.defaultThreads());
    }

    /**
     * A decode token through experts whose gate and up rows are packed as one matrix, its experts
     * spread over 1, 2 and 3 threads, gives the bits of the serial loop over the separate products.
     */
    @Test
    void stackedGateAndUpGiveTheSeparateProductsBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.bgl.tensor.PackedRows.enabled(), "packing needs 8 or 16 float lanes");
        for (int threads : new int[]{1, 2, 3}) {
            dev.bgl.tensor.Parallel.setThreads(threads);
            stackedAgainstSeparate(threads);
        }
    }

    private void stackedAgainstSeparate(int threads) {
        SplittableRandom rnd = new SplittableRandom(9);
        int dim = 64, ffn = 32, count = 8, used = 3; // ffn: whole groups of rows for 8 or 16 float lanes
        Tensor[] gate = new Tensor[count], up = new Tensor[count], down = new Tensor[count];
        Tensor[] gateS = new Tensor[count], upS = new Tensor[count];
        dev.bgl.tensor.PackedRows[] stacked = new dev.bgl.tensor.PackedRows[count];
        for (int e = 0; e < count; e++) {
            Tensor g = Tensor.quantize("g" + e, GgmlType.Q8_0, random(rnd, ffn * dim, false), ffn, dim);
            Tensor u = Tensor.quantize("u" + e, GgmlType.Q8_0, random(rnd, ffn * dim, false), ffn, dim);
            down[e] = Tensor.quantize("d" + e, GgmlType.Q8_0, random(rnd, dim * ffn, false), dim, ffn).packedForProducts();
            gate[e] = g.packedForProducts();
            up[e] = u.packedForProducts();
            stacked[e] = dev.bgl.tensor.PackedRows.stack(g, u);
            gateS[e] = new Tensor(g.name(), g.type(), g.data(), ffn, dim, stacked[e].rows(0, ffn));
            upS[e] = new Tensor(u.name(), u.type(), u.data(), ffn, dim, stacked[e].rows(ffn, ffn));
        }
        Tensor router = Tensor.quantize("r", GgmlType.F32, random(rnd, count * dim, false), count, dim);
        var separate = new LayerWeights.Moe(router, gate, up, down);
        var together = new LayerWeights.Moe(router, gateS, upS, down, null, null, null, null, stacked);
        var mixture = new ExpertMixture(new ExpertConfig(count, used, ffn, true), dim, 1);
        Activations[] acts = {new Activations(Math.max(dim, ffn))};
        for (int token = 0; token < 3; token++) {
            float[] x = random(rnd, dim, false), want = new float[dim], got = new float[dim];
            mixture.forward(separate, x, 1, want, new float[ffn], new float[ffn], new float[ffn], acts, false);
            mixture.forward(together, x, 1, got, new float[ffn], new float[ffn], new float[ffn], acts, false);
            org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, threads + " threads, token " + token);
            boolean moved = false;
            for (float v : got) moved |= v != 0;
            assertTrue(moved, "the experts added something");
        }
    }

    private void check(boolean norm) {
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x0 = new float[DIM];
        for (int i = 0; i < DIM; i++) x0[i] = (float) (rnd.nextDouble() - 0.5);
        double xx = 0;
        for (float v : x0) xx += v * v;
        // router row e = c_e * x0: token t (= (t+1) * x0) gets logits c_e * (t+1) * |x0|^2
        float[] c = {0.5f / (float) xx, 0.3f / (float) xx, -1, -1, -1, -1, -1, -1};
        float[] router = new float[COUNT * DIM];
        for (int e = 0; e < COUNT; e++) for (int i = 0; i < DIM; i++) router[e * DIM + i] = c[e] * x0[i];
        Tensor[] gate = new Tensor[COUNT], up = new Tensor[COUNT], down = new Tensor[COUNT];
        float[][][] w = new float[COUNT][3][];
        for (int e = 0; e < COUNT; e++) {
            w[e][0] = random(rnd, FFN * DIM, e >= USED);
            w[e][1] = random(rnd, FFN * DIM, e >= USED);
            w[e][2] = random(rnd, DIM * FFN, e >= USED);
            gate[e] = Tensor.quantize("g" + e, GgmlType.F32, w[e][0], FFN, DIM);
            up[e] = Tensor.quantize("u" + e, GgmlType.F32, w[e][1], FFN, DIM);
            down[e] = Tensor.quantize("d" + e, GgmlType.F32, w[e][2], DIM, FFN);
        }
        var moe = new LayerWeights.Moe(Tensor.quantize("r", GgmlType.F32, router, COUNT, DIM), gate, up, down);
        float[] x = new float[N * DIM];
        for (int t = 0; t < N; t++) for (int i = 0; i < DIM; i++) x[t * DIM + i] = (t + 1) * x0[i];
        float[] residual = new float[N * DIM];
        Arrays.fill(residual, 1f);
        Activations[] acts = new Activations[N];
        for (int i = 0; i < N; i++) acts[i] = new Activations(Math.max(DIM, FFN));
        var mixture = new ExpertMixture(new ExpertConfig(COUNT, USED, FFN, norm), DIM, N);
        mixture.forward(moe, x, N, residual, new float[N * FFN], new float[N * FFN], new float[N * FFN], acts, false);
        // the rows of a decode batch (one per sequence) take the same mixture
        float[] rowwise = new float[N * DIM];
        Arrays.fill(rowwise, 1f);
        mixture.forward(moe, x, N, rowwise, new float[N * FFN], new float[N * FFN], new float[N * FFN], acts, true);
        org.junit.jupiter.api.Assertions.assertArrayEquals(residual, rowwise, 1e-5f, "rowwise products agree with the matrix product");

        for (int t = 0; t < N; t++) {
            double[] logit = new double[COUNT];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int e = 0; e < COUNT; e++) max = Math.max(max, logit[e] = c[e] * (t + 1) * xx);
            for (int e = 0; e < COUNT; e++) sum += Math.exp(logit[e] - max);
            double p0 = Math.exp(logit[0] - max) / sum, p1 = Math.exp(logit[1] - max) / sum;
            double w0 = norm ? p0 / (p0 + p1) : p0, w1 = norm ? p1 / (p0 + p1) : p1;
            double[] y0 = expert(w[0], x, t), y1 = expert(w[1], x, t);
            for (int i = 0; i < DIM; i++) {
                double want = 1 + w0 * y0[i] + w1 * y1[i];
                float got = residual[t * DIM + i];
                assertTrue(Float.isFinite(got), "token " + t + " read an expert the router left out");
                assertEquals(want, got, 1e-4, "token " + t + " element " + i);
            }
        }
    }

    private static double[] expert(float[][] w, float[] x, int t) {
        double[] h = new double[FFN];
        for (int r = 0; r < FFN; r++) {
            double g = 0, u = 0;
            for (int i = 0; i < DIM; i++) {
                g += w[0][r * DIM + i] * x[t * DIM + i];
                u += w[1][r * DIM + i] * x[t * DIM + i];
            }
            h[r] = g / (1 + Math.exp(-g)) * u;
        }
        double[] y = new double[DIM];
        for (int r = 0; r < DIM; r++) for (int j = 0; j < FFN; j++) y[r] += w[2][r * FFN + j] * h[j];
        return y;
    }

    private static float[] random(SplittableRandom rnd, int n, boolean nan) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = nan ? Float.NaN : (float) (rnd.nextDouble() - 0.5) * 0.5f;
        return v;
    }
}
