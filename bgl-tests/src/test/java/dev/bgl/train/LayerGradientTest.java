package dev.bgl.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Each layer's backward against central finite differences of its forward, on tiny shapes. */
class LayerGradientTest {
    private final Rng rng = new Rng(7);

    @Test
    void gemmMatchesNaiveProductIncludingTails() {
        for (int[] s : new int[][]{{1, 1, 1}, {5, 35, 20}, {7, 64, 3}, {4, 32, 9}, {9, 17, 33}, {13, 281, 16}}) {
            int M = s[0], N = s[1], K = s[2];
            float[] a = GradCheck.random(rng, M * K, 1), b = GradCheck.random(rng, K * N, 1), c0 = GradCheck.random(rng, M * N, 1);
            for (boolean transposedA : new boolean[]{false, true}) {
                for (boolean acc : new boolean[]{false, true}) {
                    float[] c = c0.clone();
                    int aRow = transposedA ? 1 : K, aCol = transposedA ? M : 1;
                    Gemm.mul(M, N, K, a, 0, aRow, aCol, b, 0, N, c, 0, N, acc);
                    for (int m = 0; m < M; m++)
                        for (int n = 0; n < N; n++) {
                            double e = acc ? c0[m * N + n] : 0;
                            for (int k = 0; k < K; k++) e += (double) a[m * aRow + k * aCol] * b[k * N + n];
                            assertEquals(e, c[m * N + n], 1e-4 * (1 + Math.abs(e)), "M" + M + " N" + N + " K" + K + " at " + m + "," + n);
                        }
                }
            }
        }
    }

    @Test
    void linear() {
        int T = 5, in = 20, out = 35;
        float[] x = GradCheck.random(rng, T * in, 1), w = GradCheck.random(rng, out * in, 0.3), r = GradCheck.random(rng, T * out, 1);
        float[] y = new float[T * out];
        java.util.function.DoubleSupplier loss = () -> {
            float[] wT = new float[w.length];
            Linear.transpose(w, wT, 0, out, in);
            Linear.forward(y, 0, x, 0, wT, 0, T, in, out);
            return GradCheck.weighted(y, r, y.length);
        };
        float[] dx = new float[x.length], dw = new float[w.length];
        Linear.backwardInput(dx, 0, r, 0, w, 0, T, in, out);
        Linear.backwardWeight(dw, 0, r, 0, x, 0, T, in, out);
        GradCheck.check("linear dx", loss, x, 0, x.length, dx, 0, rng);
        GradCheck.check("linear dW", loss, w, 0, w.length, dw, 0, rng);
        // the forward equals the naive x·Wᵀ
        loss.getAsDouble();
        for (int t = 0; t < T; t++)
            for (int o = 0; o < out; o++) {
                double e = 0;
                for (int i = 0; i < in; i++) e += (double) x[t * in + i] * w[o * in + i];
                assertEquals(e, y[t * out + o], 1e-4);
            }
    }

    @Test
    void rmsnorm() {
        int n = 24;
        float[] x = GradCheck.random(rng, n, 1), w = GradCheck.random(rng, n, 0.5), r = GradCheck.random(rng, n, 1);
        for (int i = 0; i < n; i++) w[i] += 1;
        float[] y = new float[n];
        java.util.function.DoubleSupplier loss = () -> {
            RmsNorm.forward(y, 0, x, 0, w, 0, n, 1e-6f);
            return GradCheck.weighted(y, r, n);
        };
        float s = RmsNorm.forward(y, 0, x, 0, w, 0, n, 1e-6f);
        float[] dx = new float[n], dw = new float[n];
        RmsNorm.backward(dx, 0, dw, 0, r, 0, x, 0, w, 0, s, n);
        GradCheck.check("rmsnorm dx", loss, x, 0, n, dx, 0, rng);
        GradCheck.check("rmsnorm dw", loss, w, 0, n, dw, 0, rng);
    }

    /** Qwen3's per-head norm: one weight vector of headDim shared by every head of every position. */
    @Test
    void qkNormSharesItsWeightAcrossHeads() {
        int heads = 3, hd = 8, T = 2, n = T * heads * hd;
        float[] x = GradCheck.random(rng, n, 1), w = GradCheck.random(rng, hd, 0.3), r = GradCheck.random(rng, n, 1);
        for (int i = 0; i < hd; i++) w[i] += 1;
        float[] y = new float[n], scales = new float[T * heads];
        java.util.function.DoubleSupplier loss = () -> {
            for (int h = 0; h < T * heads; h++) scales[h] = RmsNorm.forward(y, h * hd, x, h * hd, w, 0, hd, 1e-6f);
            return GradCheck.weighted(y, r, n);
        };
        loss.getAsDouble();
        float[] dx = new float[n], dw = new float[hd];
        for (int h = 0; h < T * heads; h++) RmsNorm.backward(dx, h * hd, dw, 0, r, h * hd, x, h * hd, w, 0, scales[h], hd);
        GradCheck.check("qk-norm dx", loss, x, 0, n, dx, 0, rng);
        GradCheck.check("qk-norm dw", loss, w, 0, hd, dw, 0, rng);
    }

    @Test
    void ropeIsARotationAndItsBackwardTheInverse() {
        int hd = 16, pos = 5;
        Rope rope = new Rope(hd, 8, 10_000f);
        float[] x = GradCheck.random(rng, hd, 1), r = GradCheck.random(rng, hd, 1);
        java.util.function.DoubleSupplier loss = () -> {
            float[] y = x.clone();
            rope.forward(y, 0, pos);
            return GradCheck.weighted(y, r, hd);
        };
        float[] dx = r.clone();
        rope.backward(dx, 0, pos);
        GradCheck.check("rope dx", loss, x, 0, hd, dx, 0, rng);
        // pair (0, hd/2) turns by pos·θ_0 = pos radians (θ_0 = 1)
        float[] e = new float[hd];
        e[0] = 1;
        rope.forward(e, 0, pos);
        assertEquals(Math.cos(pos), e[0], 1e-6);
        assertEquals(Math.sin(pos), e[hd / 2], 1e-6);
        rope.backward(e, 0, pos);
        assertEquals(1, e[0], 1e-6);
        assertEquals(0, e[hd / 2], 1e-6);
    }

    @Test
    void attentionWithGroupedKvHeads() {
        int T = 5, heads = 4, kvHeads = 2, hd = 8;
        Attention att = new Attention(heads, kvHeads, hd, 6);
        int qn = T * heads * hd, kn = T * kvHeads * hd;
        float[] q = GradCheck.random(rng, qn, 1), k = GradCheck.random(rng, kn, 1), v = GradCheck.random(rng, kn, 1);
        float[] r = GradCheck.random(rng, qn, 1), out = new float[qn], probs = new float[(int) att.probsSize()];
        java.util.function.DoubleSupplier loss = () -> {
            att.forward(out, q, k, v, probs, T);
            return GradCheck.weighted(out, r, qn);
        };
        loss.getAsDouble();
        float[] dq = new float[qn], dk = new float[kn], dv = new float[kn];
        att.backward(dq, dk, dv, r, q, k, v, probs, new float[6], T);
        GradCheck.check("attention dq", loss, q, 0, qn, dq, 0, rng);
        GradCheck.check("attention dk", loss, k, 0, kn, dk, 0, rng);
        GradCheck.check("attention dv", loss, v, 0, kn, dv, 0, rng);
        // causal: the first position attends only to itself, so its output is v_0 of its KV head
        for (int j = 0; j < hd; j++) assertEquals(v[j], out[j], 1e-6);
        for (int j = 0; j < hd; j++) assertEquals(v[hd + j], out[2 * hd + j], 1e-6); // head 2 reads KV head 1
    }

    @Test
    void swiglu() {
        int n = 30;
        float[] g = GradCheck.random(rng, n, 2), u = GradCheck.random(rng, n, 1), r = GradCheck.random(rng, n, 1), h = new float[n];
        java.util.function.DoubleSupplier loss = () -> {
            SwiGlu.forward(h, g, u, n);
            return GradCheck.weighted(h, r, n);
        };
        float[] dg = new float[n], du = new float[n];
        SwiGlu.backward(dg, du, r, g, u, n);
        GradCheck.check("swiglu dgate", loss, g, 0, n, dg, 0, rng);
        GradCheck.check("swiglu dup", loss, u, 0, n, du, 0, rng);
    }

    @Test
    void crossEntropy() {
        int n = 11, target = 4;
        float[] z = GradCheck.random(rng, n, 2);
        float scale = 0.25f;
        float[] grad = z.clone();
        double loss = CrossEntropy.forwardBackward(grad, 0, n, target, scale);
        double sum = 0;
        for (float v : z) sum += Math.exp(v);
        assertEquals(Math.log(sum) - z[target], loss, 1e-5);
        GradCheck.check("cross-entropy", () -> scale * CrossEntropy.loss(z, 0, n, target), z, 0, n, grad, 0, rng);
        double gs = 0;
        for (float v : grad) gs += v;
        assertEquals(0, gs, 1e-6, "softmax − onehot sums to 0");
    }

    @Test
    void embeddingScattersIntoLookedUpRows() {
        int vocab = 6, dim = 4, T = 5;
        int[] tokens = {2, 0, 2, 5, 1};
        float[] emb = GradCheck.random(rng, vocab * dim, 1), r = GradCheck.random(rng, T * dim, 1), x = new float[T * dim];
        java.util.function.DoubleSupplier loss = () -> {
            Embedding.forward(x, emb, 0, tokens, T, dim);
            return GradCheck.weighted(x, r, x.length);
        };
        float[] d = new float[emb.length];
        Embedding.backward(d, 0, r, tokens, T, dim);
        GradCheck.check("embedding", loss, emb, 0, emb.length, d, 0, rng);
        for (int i = 0; i < dim; i++) assertEquals(0f, d[3 * dim + i], "unused row 3 gets no gradient");
        assertArrayEquals(Arrays.copyOfRange(emb, 2 * dim, 3 * dim), Arrays.copyOfRange(x, 0, dim));
    }
}
