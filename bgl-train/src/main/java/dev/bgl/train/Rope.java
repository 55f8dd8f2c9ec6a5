package dev.bgl.train;

/**
 * NEOX rotary embedding: pairs (i, i + d/2) rotated by pos·θ_i, θ_i = base^(−2i/d). The angle
 * table is built as the engine builds it (θ by repeated float multiplication), so the rotations
 * are bit-identical. A rotation's backward is the inverse rotation of the gradient.
 */
final class Rope {
    private final int half;
    private final float[] cos, sin;

    Rope(int headDim, int maxSeq, float base) {
        half = headDim / 2;
        cos = new float[maxSeq * half];
        sin = new float[maxSeq * half];
        float thetaScale = (float) Math.pow(base, -2.0 / headDim);
        for (int pos = 0; pos < maxSeq; pos++) {
            float theta = pos;
            for (int i = 0; i < half; i++) {
                cos[pos * half + i] = (float) Math.cos(theta);
                sin[pos * half + i] = (float) Math.sin(theta);
                theta *= thetaScale;
            }
        }
    }

    /** Rotates one head vector x[off..off+d) in place for position {@code pos}. */
    void forward(float[] x, int off, int pos) {
        int t = pos * half;
        for (int i = 0; i < half; i++) {
            float a = x[off + i], b = x[off + i + half], c = cos[t + i], s = sin[t + i];
            x[off + i] = a * c - b * s;
            x[off + i + half] = a * s + b * c;
        }
    }

    /** Turns the gradient wrt the rotated vector into the gradient wrt the unrotated one, in place. */
    void backward(float[] g, int off, int pos) {
        int t = pos * half;
        for (int i = 0; i < half; i++) {
            float a = g[off + i], b = g[off + i + half], c = cos[t + i], s = sin[t + i];
            g[off + i] = a * c + b * s;
            g[off + i + half] = -a * s + b * c;
        }
    }
}
