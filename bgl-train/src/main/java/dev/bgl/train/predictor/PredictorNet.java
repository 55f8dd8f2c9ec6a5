package dev.bgl.train.predictor;

import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.train.Linear;

import java.util.Arrays;

/**
 * The forward and backward pass of a budget predictor over a batch of B positions, with the
 * activations it keeps for the backward pass. One instance per worker (not thread-safe).
 *
 * <p>Position b reads {@code nIn} hidden vectors of the LLM (HF {@code output_hidden_states}: the
 * embedding, the residual after layers 0..N−2, the final-norm output). Its sequence is the CLS
 * vector followed by them ({@code S = nIn + 1} rows), each projected by {@code encoder.0}; then
 * post-LayerNorm BERT layers (full attention, no mask, no position embeddings, exact GELU) run;
 * z is the output at the CLS row; α = softplus(W_α z), λ = softplus(W_λ z) for the target token
 * only (the heads are sparse: one row each per position).
 */
final class PredictorNet {
    final PredictorLayout lay;
    final PredictorConfig c;
    final int nIn, seq, maxB;
    private final int d, h, f, heads, hd, nLayers;
    private final float attnScale;

    // activations, rows [b·seq + i]
    final float[] x0;
    private final float[][] hin, q, k, v, ctx, xh1, h1, xh2, fpre, gact, rs1, rs2, probs;
    private final float[] tmp;
    // backward scratch
    private final float[] dH, dR, dF, dQ, dK, dV, dCtx, dp;
    // per position outputs
    final int[] target;
    final float[] x, preA, preL, alpha, lambda, dPreA, dPreL;
    private int batch;

    PredictorNet(PredictorLayout lay, int nIn, int maxB) {
        this.lay = lay;
        this.c = lay.config();
        this.nIn = nIn;
        this.seq = nIn + 1;
        this.maxB = maxB;
        d = c.width();
        h = c.hidden();
        f = c.ffn();
        heads = c.heads();
        hd = c.headDim();
        nLayers = c.layers();
        attnScale = (float) (1.0 / Math.sqrt(hd));
        int m = maxB * seq;
        x0 = new float[m * h];
        hin = new float[nLayers + 1][m * d];
        q = new float[nLayers][m * d];
        k = new float[nLayers][m * d];
        v = new float[nLayers][m * d];
        ctx = new float[nLayers][m * d];
        xh1 = new float[nLayers][m * d];
        h1 = new float[nLayers][m * d];
        xh2 = new float[nLayers][m * d];
        fpre = new float[nLayers][m * f];
        gact = new float[nLayers][m * f];
        rs1 = new float[nLayers][m];
        rs2 = new float[nLayers][m];
        probs = new float[nLayers][maxB * heads * seq * seq];
        tmp = new float[m * d];
        dH = new float[m * d];
        dR = new float[m * d];
        dF = new float[m * f];
        dQ = new float[m * d];
        dK = new float[m * d];
        dV = new float[m * d];
        dCtx = new float[m * d];
        dp = new float[seq];
        target = new int[maxB];
        x = new float[maxB];
        preA = new float[maxB];
        preL = new float[maxB];
        alpha = new float[maxB];
        lambda = new float[maxB];
        dPreA = new float[maxB];
        dPreL = new float[maxB];
    }

    /** Rows of input for position b: {@code nIn·hidden} floats to fill (row 0, the CLS, is set by forward). */
    int inputOffset(int b) {
        return (b * seq + 1) * h;
    }

    int batch() {
        return batch;
    }

    /** Marks the net as holding no positions (a shard left empty by a small batch). */
    void reset() {
        batch = 0;
    }

    /**
     * Runs B positions whose hidden vectors are in {@link #x0} (see {@link #inputOffset}) and whose
     * targets and x = log(L+1) are in {@link #target} and {@link #x}. {@code pT} holds the
     * matrices transposed (same offsets). Returns the summed NLL.
     */
    double forward(float[] p, float[] pT, int B) {
        if (B > maxB) throw new IllegalArgumentException("batch " + B + " exceeds " + maxB);
        batch = B;
        int m = B * seq;
        for (int b = 0; b < B; b++) System.arraycopy(p, lay.cls().offset(), x0, b * seq * h, h);
        dense(hin[0], x0, pT, p, lay.inW(), lay.inB(), m, h, d);
        for (int l = 0; l < nLayers; l++) layerForward(l, p, pT, m);
        float[] out = hin[nLayers];
        double loss = 0;
        int ao = lay.alpha().offset(), lo = lay.lam().offset();
        for (int b = 0; b < B; b++) {
            int zo = b * seq * d, v = target[b];
            float a = 0, r = 0;
            for (int i = 0; i < d; i++) {
                a += out[zo + i] * p[ao + v * d + i];
                r += out[zo + i] * p[lo + v * d + i];
            }
            preA[b] = a;
            preL[b] = r;
            alpha[b] = (float) GammaNll.softplus(a);
            lambda[b] = (float) GammaNll.softplus(r);
            loss += GammaNll.nll(alpha[b], lambda[b], x[b]);
        }
        return loss;
    }

    /** z of position b (the CLS output), for reading after forward. */
    float z(int b, int i) {
        return hin[nLayers][b * seq * d + i];
    }

    private void layerForward(int l, float[] p, float[] pT, int m) {
        PredictorLayout.Layer w = lay.layer(l);
        float[] in = hin[l];
        dense(q[l], in, pT, p, w.qW(), w.qB(), m, d, d);
        dense(k[l], in, pT, p, w.kW(), w.kB(), m, d, d);
        dense(v[l], in, pT, p, w.vW(), w.vB(), m, d, d);
        attention(l, m / seq);
        dense(tmp, ctx[l], pT, p, w.oW(), w.oB(), m, d, d);
        for (int i = 0; i < m * d; i++) tmp[i] += in[i];
        LayerNorm.forward(h1[l], 0, tmp, 0, xh1[l], 0, rs1[l], 0, p, w.ln1W().offset(), w.ln1B().offset(), m, d, c.layerNormEps());
        dense(fpre[l], h1[l], pT, p, w.f1W(), w.f1B(), m, d, f);
        float[] fp = fpre[l], g = gact[l];
        for (int i = 0; i < m * f; i++) g[i] = Gelu.forward(fp[i]);
        dense(tmp, g, pT, p, w.f2W(), w.f2B(), m, f, d);
        float[] r = h1[l];
        for (int i = 0; i < m * d; i++) tmp[i] += r[i];
        LayerNorm.forward(hin[l + 1], 0, tmp, 0, xh2[l], 0, rs2[l], 0, p, w.ln2W().offset(), w.ln2B().offset(), m, d, c.layerNormEps());
    }

    /** y[m][out] = x[m][in]·Wᵀ + b. */
    private static void dense(float[] y, float[] xs, float[] pT, float[] p, PredictorLayout.View w, PredictorLayout.View b, int m, int in, int out) {
        Linear.forward(y, 0, xs, 0, pT, w.offset(), m, in, out);
        int bo = b.offset();
        for (int r = 0; r < m; r++) for (int j = 0; j < out; j++) y[r * out + j] += p[bo + j];
    }

    private void attention(int l, int B) {
        float[] Q = q[l], K = k[l], V = v[l], C = ctx[l], P = probs[l];
        for (int b = 0; b < B; b++)
            for (int hh = 0; hh < heads; hh++) {
                int po = (b * heads + hh) * seq * seq, co = hh * hd;
                for (int i = 0; i < seq; i++) {
                    int qo = (b * seq + i) * d + co, row = po + i * seq;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < seq; j++) {
                        int ko = (b * seq + j) * d + co;
                        float s = 0;
                        for (int t = 0; t < hd; t++) s += Q[qo + t] * K[ko + t];
                        s *= attnScale;
                        P[row + j] = s;
                        if (s > max) max = s;
                    }
                    double sum = 0;
                    for (int j = 0; j < seq; j++) {
                        float e = (float) Math.exp(P[row + j] - max);
                        P[row + j] = e;
                        sum += e;
                    }
                    float inv = (float) (1.0 / sum);
                    Arrays.fill(C, qo, qo + hd, 0f);
                    for (int j = 0; j < seq; j++) {
                        float pr = P[row + j] *= inv;
                        int vo = (b * seq + j) * d + co;
                        for (int t = 0; t < hd; t++) C[qo + t] += pr * V[vo + t];
                    }
                }
            }
    }

    /**
     * Backward pass of the last forward, the NLL of each position weighted by {@code scale}:
     * adds the dense gradients to {@code grad} (layout offsets, up to the heads) and leaves the
     * head gradient as {@link #dPreA}/{@link #dPreL} times z (see {@link #addHeadGradients}).
     */
    void backward(float[] p, float scale, float[] grad) {
        int B = batch, m = B * seq;
        int ao = lay.alpha().offset(), lo = lay.lam().offset();
        Arrays.fill(dH, 0, m * d, 0f);
        for (int b = 0; b < B; b++) {
            double xa = x[b];
            dPreA[b] = (float) (scale * GammaNll.dAlpha(alpha[b], lambda[b], xa) * GammaNll.softplusGrad(preA[b]));
            dPreL[b] = (float) (scale * GammaNll.dLambda(alpha[b], lambda[b], xa) * GammaNll.softplusGrad(preL[b]));
            int zo = b * seq * d, v = target[b];
            for (int i = 0; i < d; i++) dH[zo + i] = dPreA[b] * p[ao + v * d + i] + dPreL[b] * p[lo + v * d + i];
        }
        for (int l = nLayers - 1; l >= 0; l--) layerBackward(l, p, grad, m);
        // encoder.0 and the CLS vector: dH is the gradient of the projected rows
        biasGrad(grad, lay.inB().offset(), dH, m, d);
        Linear.backwardWeight(grad, lay.inW().offset(), dH, 0, x0, 0, m, h, d);
        for (int b = 0; b < B; b++)
            Linear.backwardInput(grad, lay.cls().offset(), dH, b * seq * d, p, lay.inW().offset(), 1, h, d);
    }

    /** Adds the sparse head gradients of the last backward to a full-size gradient: row target[b] += dPre·z. */
    void addHeadGradients(float[] grad) {
        int ao = lay.alpha().offset(), lo = lay.lam().offset();
        float[] z = hin[nLayers];
        for (int b = 0; b < batch; b++) {
            int zo = b * seq * d, v = target[b];
            float ga = dPreA[b], gl = dPreL[b];
            for (int i = 0; i < d; i++) {
                grad[ao + v * d + i] += ga * z[zo + i];
                grad[lo + v * d + i] += gl * z[zo + i];
            }
        }
    }

    private void layerBackward(int l, float[] p, float[] grad, int m) {
        PredictorLayout.Layer w = lay.layer(l);
        // output LayerNorm: dR = ∂/∂(ffn out + h1)
        LayerNorm.backward(dR, 0, dH, 0, xh2[l], 0, rs2[l], 0, p, w.ln2W().offset(), grad, w.ln2W().offset(), w.ln2B().offset(), m, d);
        biasGrad(grad, w.f2B().offset(), dR, m, d);
        Linear.backwardWeight(grad, w.f2W().offset(), dR, 0, gact[l], 0, m, f, d);
        Arrays.fill(dF, 0, m * f, 0f);
        Linear.backwardInput(dF, 0, dR, 0, p, w.f2W().offset(), m, f, d);
        float[] fp = fpre[l];
        for (int i = 0; i < m * f; i++) dF[i] *= Gelu.derivative(fp[i]);
        biasGrad(grad, w.f1B().offset(), dF, m, f);
        Linear.backwardWeight(grad, w.f1W().offset(), dF, 0, h1[l], 0, m, d, f);
        Linear.backwardInput(dR, 0, dF, 0, p, w.f1W().offset(), m, d, f); // dR is now ∂/∂h1 (residual + FFN)
        // attention LayerNorm
        LayerNorm.backward(dR, 0, dR, 0, xh1[l], 0, rs1[l], 0, p, w.ln1W().offset(), grad, w.ln1W().offset(), w.ln1B().offset(), m, d);
        biasGrad(grad, w.oB().offset(), dR, m, d);
        Linear.backwardWeight(grad, w.oW().offset(), dR, 0, ctx[l], 0, m, d, d);
        Arrays.fill(dCtx, 0, m * d, 0f);
        Linear.backwardInput(dCtx, 0, dR, 0, p, w.oW().offset(), m, d, d);
        attentionBackward(l, m / seq);
        // the layer input: residual + Q, K, V projections
        System.arraycopy(dR, 0, dH, 0, m * d);
        float[] in = hin[l];
        projectionBackward(grad, p, w.qW(), w.qB(), dQ, in, m);
        projectionBackward(grad, p, w.kW(), w.kB(), dK, in, m);
        projectionBackward(grad, p, w.vW(), w.vB(), dV, in, m);
    }

    private void projectionBackward(float[] grad, float[] p, PredictorLayout.View w, PredictorLayout.View b, float[] dy, float[] in, int m) {
        biasGrad(grad, b.offset(), dy, m, d);
        Linear.backwardWeight(grad, w.offset(), dy, 0, in, 0, m, d, d);
        Linear.backwardInput(dH, 0, dy, 0, p, w.offset(), m, d, d);
    }

    private static void biasGrad(float[] grad, int off, float[] dy, int m, int n) {
        for (int r = 0; r < m; r++) for (int j = 0; j < n; j++) grad[off + j] += dy[r * n + j];
    }

    /** dP = dC·vᵀ, dv = Pᵀ·dC, dS = P∘(dP − Σ P∘dP)·scale, dq = dS·k, dk = dSᵀ·q. */
    private void attentionBackward(int l, int B) {
        float[] Q = q[l], K = k[l], V = v[l], P = probs[l];
        int m = B * seq;
        Arrays.fill(dQ, 0, m * d, 0f);
        Arrays.fill(dK, 0, m * d, 0f);
        Arrays.fill(dV, 0, m * d, 0f);
        for (int b = 0; b < B; b++)
            for (int hh = 0; hh < heads; hh++) {
                int po = (b * heads + hh) * seq * seq, co = hh * hd;
                for (int i = 0; i < seq; i++) {
                    int qo = (b * seq + i) * d + co, row = po + i * seq;
                    double dot = 0;
                    for (int j = 0; j < seq; j++) {
                        int vo = (b * seq + j) * d + co;
                        float pr = P[row + j], g = 0;
                        for (int t = 0; t < hd; t++) {
                            g += dCtx[qo + t] * V[vo + t];
                            dV[vo + t] += pr * dCtx[qo + t];
                        }
                        dp[j] = g;
                        dot += (double) pr * g;
                    }
                    float dd = (float) dot;
                    for (int j = 0; j < seq; j++) {
                        float ds = P[row + j] * (dp[j] - dd) * attnScale;
                        int ko = (b * seq + j) * d + co;
                        for (int t = 0; t < hd; t++) {
                            dQ[qo + t] += ds * K[ko + t];
                            dK[ko + t] += ds * Q[qo + t];
                        }
                    }
                }
            }
    }
}
