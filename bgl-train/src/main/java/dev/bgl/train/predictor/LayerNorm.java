package dev.bgl.train.predictor;

/**
 * PyTorch's LayerNorm over rows of n: y = (x − mean)/sqrt(var + eps)·g + b with the biased
 * variance, statistics in double. The forward keeps x̂ and 1/σ per row for the backward pass.
 */
final class LayerNorm {
    private LayerNorm() {
    }

    /** Normalises {@code rows} rows of x into y (y may alias x); writes x̂ and rstd. */
    static void forward(float[] y, int yOff, float[] x, int xOff, float[] xhat, int hOff, float[] rstd, int rOff,
                        float[] p, int gOff, int bOff, int rows, int n, float eps) {
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n, yo = yOff + r * n, ho = hOff + r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) sum += x[xo + i];
            double mean = sum / n, var = 0;
            for (int i = 0; i < n; i++) {
                double c = x[xo + i] - mean;
                var += c * c;
            }
            float rs = (float) (1.0 / Math.sqrt(var / n + eps));
            rstd[rOff + r] = rs;
            float m = (float) mean;
            for (int i = 0; i < n; i++) {
                float h = (x[xo + i] - m) * rs;
                xhat[ho + i] = h;
                y[yo + i] = h * p[gOff + i] + p[bOff + i];
            }
        }
    }

    /**
     * Writes dx (not added) and adds to the gain and bias gradients:
     * dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ∘x̂)) with ĝ = dy∘g. {@code dx} may alias {@code dy}.
     */
    static void backward(float[] dx, int dxOff, float[] dy, int dyOff, float[] xhat, int hOff, float[] rstd, int rOff,
                         float[] p, int gOff, float[] grad, int dgOff, int dbOff, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            int yo = dyOff + r * n, ho = hOff + r * n, xo = dxOff + r * n;
            double s1 = 0, s2 = 0;
            for (int i = 0; i < n; i++) {
                float g = dy[yo + i], h = xhat[ho + i];
                grad[dgOff + i] += g * h;
                grad[dbOff + i] += g;
                float gh = g * p[gOff + i];
                s1 += gh;
                s2 += gh * h;
            }
            float m1 = (float) (s1 / n), m2 = (float) (s2 / n), rs = rstd[rOff + r];
            for (int i = 0; i < n; i++) {
                float h = xhat[ho + i];
                dx[xo + i] = rs * (dy[yo + i] * p[gOff + i] - m1 - h * m2);
            }
        }
    }
}
