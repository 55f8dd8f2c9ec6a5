package dev.bgl.train;

/**
 * One worker's buffers for a sequence of up to {@code maxSeq} positions: every activation the
 * backward pass needs (per layer), the gradient scratch, and the worker's own gradient
 * accumulator. Allocated once, reused for every sequence and step.
 */
final class Workspace {
    final int maxSeq;
    // per layer l: the residual stream entering the layer, and the saved intermediates
    final float[][] xIn, xn1, rs1, qRaw, kRaw, qs, ks, q, k, v, probs, att, xMid, xn2, rs2, gate, up, h;
    /** Residual stream after the last layer, its final norm and scales, and logits (then their gradient). */
    final float[] xOut, xnf, rsf, logits;
    // gradient scratch
    final float[] dx, dxn, dq, dk, dv, dqRaw, dkRaw, datt, dgate, dup, dh, dp;
    /** This worker's gradient, in the parameter layout. */
    final float[] grad;

    Workspace(TrainConfig c, int paramCount, long probsPerLayer) {
        maxSeq = c.maxSeq();
        int T = maxSeq, L = c.layers(), d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.ffnDim();
        if (probsPerLayer > Integer.MAX_VALUE)
            throw new dev.bgl.util.BglException("--max-seq " + maxSeq + " is too long: attention probabilities need " + probsPerLayer + " floats per layer");
        xIn = new float[L][T * d];
        xn1 = new float[L][T * d];
        rs1 = new float[L][T];
        qRaw = new float[L][T * qd];
        kRaw = new float[L][T * kvd];
        qs = new float[L][T * c.heads()];
        ks = new float[L][T * c.kvHeads()];
        q = new float[L][T * qd];
        k = new float[L][T * kvd];
        v = new float[L][T * kvd];
        probs = new float[L][(int) probsPerLayer];
        att = new float[L][T * qd];
        xMid = new float[L][T * d];
        xn2 = new float[L][T * d];
        rs2 = new float[L][T];
        gate = new float[L][T * f];
        up = new float[L][T * f];
        h = new float[L][T * f];
        xOut = new float[T * d];
        xnf = new float[T * d];
        rsf = new float[T];
        logits = new float[T * c.vocab()];
        dx = new float[T * d];
        dxn = new float[T * d];
        dq = new float[T * qd];
        dk = new float[T * kvd];
        dv = new float[T * kvd];
        dqRaw = new float[T * qd];
        dkRaw = new float[T * kvd];
        datt = new float[T * qd];
        dgate = new float[T * f];
        dup = new float[T * f];
        dh = new float[T * f];
        dp = new float[T];
        grad = new float[paramCount];
    }
}
