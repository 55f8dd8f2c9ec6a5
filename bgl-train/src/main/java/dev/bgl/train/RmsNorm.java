package dev.bgl.train;

/**
 * y = x · s · w with s = 1/sqrt(mean(x²) + eps), computed as the engine does (squares summed in
 * double, s rounded to float), so that exported models reproduce the trainer's logits.
 */
final class RmsNorm {
    private RmsNorm() {
    }

    /** Normalises x[xOff..+n) into y; returns s (kept for the backward pass). */
    static float forward(float[] y, int yOff, float[] x, int xOff, float[] w, int wOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[xOff + i] * x[xOff + i];
        float s = (float) (1.0 / Math.sqrt((float) (ss / n) + eps));
        for (int i = 0; i < n; i++) y[yOff + i] = x[xOff + i] * s * w[wOff + i];
        return s;
    }

    /**
     * Adds to dx and dw: dx_j = s·w_j·dy_j − x_j·s³/n·Σ_k dy_k·w_k·x_k, dw_j = dy_j·x_j·s.
     * {@code dx} must not alias {@code dy}.
     */
    static void backward(float[] dx, int dxOff, float[] dw, int dwOff, float[] dy, int dyOff,
                         float[] x, int xOff, float[] w, int wOff, float s, int n) {
        double dot = 0;
        for (int i = 0; i < n; i++) dot += (double) dy[dyOff + i] * w[wOff + i] * x[xOff + i];
        float k = (float) (dot * s * s * s / n);
        for (int i = 0; i < n; i++) {
            float xi = x[xOff + i], gi = dy[dyOff + i];
            dx[dxOff + i] += s * w[wOff + i] * gi - xi * k;
            dw[dwOff + i] += gi * xi * s;
        }
    }
}
