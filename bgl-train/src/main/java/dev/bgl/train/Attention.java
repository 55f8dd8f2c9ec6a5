package dev.bgl.train;

import dev.bgl.tensor.VectorOps;

/**
 * Causal softmax attention with grouped KV heads (query head h reads KV head h / (heads/kvHeads)),
 * scores scaled by 1/sqrt(headDim), softmax as the engine computes it (exp in float, sum in
 * double). The two row products (scores q·k and the backward's dOut·v) are {@link Gemm} rows
 * against a transposed K or V, each a chain of fmas in index order: a dot product's lane sum
 * ({@code reduceLanes}) is added in one order by the Vector API's Java code and in another once
 * C2 compiles it, and that last-bit difference made a resumed training run drift from the
 * uninterrupted one. The probabilities are kept for the backward pass, one lower triangle per head:
 * row i (i+1 entries) starts at {@code h·triangle + i(i+1)/2}.
 */
final class Attention {
    final int heads, kvHeads, headDim, maxSeq;
    final float scale;

    Attention(int heads, int kvHeads, int headDim, int maxSeq) {
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.maxSeq = maxSeq;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /** Floats of probabilities per layer. */
    long probsSize() {
        return (long) heads * triangle();
    }

    private int triangle() {
        return maxSeq * (maxSeq + 1) / 2;
    }

    /** out[T][heads·hd] from q[T][heads·hd], k and v [T][kvHeads·hd]; fills probs. */
    void forward(float[] out, float[] q, float[] k, float[] v, float[] probs, int T) {
        int hd = headDim, qDim = heads * hd, kvDim = kvHeads * hd, group = heads / kvHeads, tri = triangle();
        float[] kT = transposed(k, T, kvDim);
        for (int h = 0; h < heads; h++) {
            int kvo = (h / group) * hd;
            for (int i = 0; i < T; i++) {
                int row = h * tri + i * (i + 1) / 2, qo = i * qDim + h * hd;
                Gemm.mul(1, i + 1, hd, q, qo, 0, 1, kT, kvo * T, T, probs, row, i + 1, false);
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t <= i; t++) {
                    float s = probs[row + t] * scale;
                    probs[row + t] = s;
                    if (s > max) max = s;
                }
                double sum = 0;
                for (int t = 0; t <= i; t++) {
                    float e = (float) Math.exp(probs[row + t] - max);
                    probs[row + t] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                java.util.Arrays.fill(out, qo, qo + hd, 0f);
                for (int t = 0; t <= i; t++) {
                    float p = probs[row + t] * inv;
                    probs[row + t] = p;
                    VectorOps.scaledAdd(out, qo, p, v, t * kvDim + kvo, hd);
                }
            }
        }
    }

    /**
     * Adds to dq, dk, dv the gradients given dOut; {@code dp} is scratch of maxSeq floats.
     * dP = dOut·v, dS = P∘(dP − Σ P∘dP)·scale, dq = dS·k, dk = dSᵀ·q, dv = Pᵀ·dOut.
     */
    void backward(float[] dq, float[] dk, float[] dv, float[] dOut, float[] q, float[] k, float[] v,
                  float[] probs, float[] dp, int T) {
        int hd = headDim, qDim = heads * hd, kvDim = kvHeads * hd, group = heads / kvHeads, tri = triangle();
        float[] vT = transposed(v, T, kvDim);
        for (int h = 0; h < heads; h++) {
            int kvo = (h / group) * hd;
            for (int i = 0; i < T; i++) {
                int row = h * tri + i * (i + 1) / 2, qo = i * qDim + h * hd;
                Gemm.mul(1, i + 1, hd, dOut, qo, 0, 1, vT, kvo * T, T, dp, 0, i + 1, false);
                double dot = 0;
                for (int t = 0; t <= i; t++) {
                    float p = probs[row + t];
                    float g = dp[t];
                    dot += (double) p * g;
                    VectorOps.scaledAdd(dv, t * kvDim + kvo, p, dOut, qo, hd);
                }
                float d = (float) dot;
                for (int t = 0; t <= i; t++) {
                    float ds = probs[row + t] * (dp[t] - d) * scale;
                    VectorOps.scaledAdd(dq, qo, ds, k, t * kvDim + kvo, hd);
                    VectorOps.scaledAdd(dk, t * kvDim + kvo, ds, q, qo, hd);
                }
            }
        }
    }

    /** m[T][cols] as [cols][T]: column c of K or V (dimension c of a head) becomes a row. */
    private static float[] transposed(float[] m, int T, int cols) {
        float[] t = new float[T * cols];
        Linear.transpose(m, t, 0, T, cols);
        return t;
    }
}
