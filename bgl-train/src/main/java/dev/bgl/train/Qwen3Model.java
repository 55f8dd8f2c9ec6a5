package dev.bgl.train;

import java.util.Arrays;

/**
 * Forward and hand-written backward of a Qwen3 decoder over one sequence, layer by layer as in
 * llm.c. Parameters are read from {@code p} (row-major) and {@code pT} (the same layout with every
 * matrix transposed, see {@link #transposeWeights}); gradients are added to the workspace's
 * {@code grad}.
 */
public final class Qwen3Model {
    private final TrainConfig c;
    private final ParamLayout layout;
    private final Rope rope;
    private final Attention attention;

    public Qwen3Model(TrainConfig c) {
        this.c = c;
        this.layout = new ParamLayout(c);
        this.rope = new Rope(c.headDim(), c.maxSeq(), c.ropeBase());
        this.attention = new Attention(c.heads(), c.kvHeads(), c.headDim(), c.maxSeq());
    }

    public TrainConfig config() {
        return c;
    }

    public ParamLayout layout() {
        return layout;
    }

    Workspace newWorkspace() {
        return new Workspace(c, layout.size(), attention.probsSize());
    }

    /** Fills {@code pT} with every matrix of {@code p} transposed (norms are not used from pT). */
    void transposeWeights(float[] p, float[] pT) {
        for (ParamLayout.View v : layout.views())
            if (v.kind() != ParamLayout.Kind.NORM) Linear.transpose(p, pT, v.offset(), v.rows(), v.cols());
    }

    /** A fresh transposed copy of {@code p}. */
    float[] transposed(float[] p) {
        float[] pT = new float[p.length];
        transposeWeights(p, pT);
        return pT;
    }

    /** Runs the forward pass over tokens[0..T), leaving activations and logits [T][vocab] in ws. */
    void forward(float[] p, float[] pT, Workspace ws, int[] tokens, int T) {
        int d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.ffnDim(), hd = c.headDim();
        float eps = c.rmsEps();
        Embedding.forward(ws.xIn[0], p, layout.embedding().offset(), tokens, T, d);
        for (int l = 0; l < c.layers(); l++) {
            ParamLayout.Layer w = layout.layer(l);
            float[] x = ws.xIn[l];
            for (int t = 0; t < T; t++) ws.rs1[l][t] = RmsNorm.forward(ws.xn1[l], t * d, x, t * d, p, w.attnNorm().offset(), d, eps);
            Linear.forward(ws.qRaw[l], 0, ws.xn1[l], 0, pT, w.wq().offset(), T, d, qd);
            Linear.forward(ws.kRaw[l], 0, ws.xn1[l], 0, pT, w.wk().offset(), T, d, kvd);
            Linear.forward(ws.v[l], 0, ws.xn1[l], 0, pT, w.wv().offset(), T, d, kvd);
            for (int t = 0; t < T; t++) {
                for (int hh = 0; hh < c.heads(); hh++) {
                    int o = t * qd + hh * hd;
                    ws.qs[l][t * c.heads() + hh] = RmsNorm.forward(ws.q[l], o, ws.qRaw[l], o, p, w.qNorm().offset(), hd, eps);
                    rope.forward(ws.q[l], o, t);
                }
                for (int hh = 0; hh < c.kvHeads(); hh++) {
                    int o = t * kvd + hh * hd;
                    ws.ks[l][t * c.kvHeads() + hh] = RmsNorm.forward(ws.k[l], o, ws.kRaw[l], o, p, w.kNorm().offset(), hd, eps);
                    rope.forward(ws.k[l], o, t);
                }
            }
            attention.forward(ws.att[l], ws.q[l], ws.k[l], ws.v[l], ws.probs[l], T);
            float[] mid = ws.xMid[l];
            Linear.forward(mid, 0, ws.att[l], 0, pT, w.wo().offset(), T, qd, d);
            for (int i = 0; i < T * d; i++) mid[i] += x[i];
            for (int t = 0; t < T; t++) ws.rs2[l][t] = RmsNorm.forward(ws.xn2[l], t * d, mid, t * d, p, w.ffnNorm().offset(), d, eps);
            Linear.forward(ws.gate[l], 0, ws.xn2[l], 0, pT, w.wGate().offset(), T, d, f);
            Linear.forward(ws.up[l], 0, ws.xn2[l], 0, pT, w.wUp().offset(), T, d, f);
            SwiGlu.forward(ws.h[l], ws.gate[l], ws.up[l], T * f);
            float[] next = l + 1 < c.layers() ? ws.xIn[l + 1] : ws.xOut;
            Linear.forward(next, 0, ws.h[l], 0, pT, w.wDown().offset(), T, f, d);
            for (int i = 0; i < T * d; i++) next[i] += mid[i];
        }
        for (int t = 0; t < T; t++) ws.rsf[t] = RmsNorm.forward(ws.xnf, t * d, ws.xOut, t * d, p, layout.outputNorm().offset(), d, eps);
        Linear.forward(ws.logits, 0, ws.xnf, 0, pT, layout.embedding().offset(), T, d, c.vocab());
    }

    /**
     * Forward and backward over one example: position i predicts tokens[i+1], counted where
     * lossMask[i+1]. Gradients of {@code lossScale}·Σ(counted losses) are added to ws.grad.
     *
     * @return the sum of the counted losses (not scaled)
     */
    double forwardBackward(float[] p, float[] pT, Workspace ws, Example ex, float lossScale) {
        int T = ex.length() - 1, V = c.vocab();
        forward(p, pT, ws, ex.tokens(), T);
        double loss = 0;
        for (int t = 0; t < T; t++) {
            if (ex.lossMask()[t + 1]) loss += CrossEntropy.forwardBackward(ws.logits, t * V, V, ex.tokens()[t + 1], lossScale);
            else Arrays.fill(ws.logits, t * V, (t + 1) * V, 0f);
        }
        backward(p, ws, ex.tokens(), T);
        return loss;
    }

    /** Backward from the logits' gradient (in ws.logits) to ws.grad. */
    private void backward(float[] p, Workspace ws, int[] tokens, int T) {
        int d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.ffnDim(), hd = c.headDim(), V = c.vocab();
        float[] g = ws.grad;
        int emb = layout.embedding().offset();
        // tied head: logits = xnf · Embᵀ
        Arrays.fill(ws.dxn, 0, T * d, 0f);
        Linear.backwardInput(ws.dxn, 0, ws.logits, 0, p, emb, T, d, V);
        Linear.backwardWeight(g, emb, ws.logits, 0, ws.xnf, 0, T, d, V);
        Arrays.fill(ws.dx, 0, T * d, 0f);
        int on = layout.outputNorm().offset();
        for (int t = 0; t < T; t++)
            RmsNorm.backward(ws.dx, t * d, g, on, ws.dxn, t * d, ws.xOut, t * d, p, on, ws.rsf[t], d);
        // ws.dx now holds the gradient of the residual stream; walk the layers back
        for (int l = c.layers() - 1; l >= 0; l--) {
            ParamLayout.Layer w = layout.layer(l);
            // feed-forward: next = mid + Wdown·h
            Linear.backwardWeight(g, w.wDown().offset(), ws.dx, 0, ws.h[l], 0, T, f, d);
            Arrays.fill(ws.dh, 0, T * f, 0f);
            Linear.backwardInput(ws.dh, 0, ws.dx, 0, p, w.wDown().offset(), T, f, d);
            SwiGlu.backward(ws.dgate, ws.dup, ws.dh, ws.gate[l], ws.up[l], T * f);
            Linear.backwardWeight(g, w.wGate().offset(), ws.dgate, 0, ws.xn2[l], 0, T, d, f);
            Linear.backwardWeight(g, w.wUp().offset(), ws.dup, 0, ws.xn2[l], 0, T, d, f);
            Arrays.fill(ws.dxn, 0, T * d, 0f);
            Linear.backwardInput(ws.dxn, 0, ws.dgate, 0, p, w.wGate().offset(), T, d, f);
            Linear.backwardInput(ws.dxn, 0, ws.dup, 0, p, w.wUp().offset(), T, d, f);
            int fn = w.ffnNorm().offset();
            for (int t = 0; t < T; t++)
                RmsNorm.backward(ws.dx, t * d, g, fn, ws.dxn, t * d, ws.xMid[l], t * d, p, fn, ws.rs2[l][t], d);
            // attention: mid = x + Wo·att
            Linear.backwardWeight(g, w.wo().offset(), ws.dx, 0, ws.att[l], 0, T, qd, d);
            Arrays.fill(ws.datt, 0, T * qd, 0f);
            Linear.backwardInput(ws.datt, 0, ws.dx, 0, p, w.wo().offset(), T, qd, d);
            Arrays.fill(ws.dq, 0, T * qd, 0f);
            Arrays.fill(ws.dk, 0, T * kvd, 0f);
            Arrays.fill(ws.dv, 0, T * kvd, 0f);
            attention.backward(ws.dq, ws.dk, ws.dv, ws.datt, ws.q[l], ws.k[l], ws.v[l], ws.probs[l], ws.dp, T);
            // rope and q/k norm, back to the raw projections
            float[] dqRaw = ws.dqRaw, dkRaw = ws.dkRaw;
            Arrays.fill(dqRaw, 0, T * qd, 0f);
            Arrays.fill(dkRaw, 0, T * kvd, 0f);
            int qn = w.qNorm().offset(), kn = w.kNorm().offset();
            for (int t = 0; t < T; t++) {
                for (int hh = 0; hh < c.heads(); hh++) {
                    int o = t * qd + hh * hd;
                    rope.backward(ws.dq, o, t);
                    RmsNorm.backward(dqRaw, o, g, qn, ws.dq, o, ws.qRaw[l], o, p, qn, ws.qs[l][t * c.heads() + hh], hd);
                }
                for (int hh = 0; hh < c.kvHeads(); hh++) {
                    int o = t * kvd + hh * hd;
                    rope.backward(ws.dk, o, t);
                    RmsNorm.backward(dkRaw, o, g, kn, ws.dk, o, ws.kRaw[l], o, p, kn, ws.ks[l][t * c.kvHeads() + hh], hd);
                }
            }
            Linear.backwardWeight(g, w.wq().offset(), dqRaw, 0, ws.xn1[l], 0, T, d, qd);
            Linear.backwardWeight(g, w.wk().offset(), dkRaw, 0, ws.xn1[l], 0, T, d, kvd);
            Linear.backwardWeight(g, w.wv().offset(), ws.dv, 0, ws.xn1[l], 0, T, d, kvd);
            float[] dxn1 = ws.dxn;
            Arrays.fill(dxn1, 0, T * d, 0f);
            Linear.backwardInput(dxn1, 0, dqRaw, 0, p, w.wq().offset(), T, d, qd);
            Linear.backwardInput(dxn1, 0, dkRaw, 0, p, w.wk().offset(), T, d, kvd);
            Linear.backwardInput(dxn1, 0, ws.dv, 0, p, w.wv().offset(), T, d, kvd);
            int an = w.attnNorm().offset();
            for (int t = 0; t < T; t++)
                RmsNorm.backward(ws.dx, t * d, g, an, dxn1, t * d, ws.xIn[l], t * d, p, an, ws.rs1[l][t], d);
        }
        Embedding.backward(g, emb, ws.dx, tokens, T, d);
    }
}
