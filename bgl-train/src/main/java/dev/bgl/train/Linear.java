package dev.bgl.train;

/**
 * y = x·Wᵀ for T rows of x, W row-major [out][in] as in the engine. The forward reads a transposed
 * copy Wᵀ [in][out] (made once per step) so that all three products are broadcast-and-FMA
 * {@link Gemm}s. Backward results are added to their targets.
 */
public final class Linear {
    private Linear() {
    }

    /** y[T][out] = x[T][in] · Wᵀ, from {@code wT} = Wᵀ laid out [in][out] at {@code wOff}. */
    public static void forward(float[] y, int yOff, float[] x, int xOff, float[] wT, int wOff, int T, int in, int out) {
        Gemm.mul(T, out, in, x, xOff, in, 1, wT, wOff, out, y, yOff, out, false);
    }

    /** dx[T][in] += dy[T][out] · W. */
    public static void backwardInput(float[] dx, int dxOff, float[] dy, int dyOff, float[] w, int wOff, int T, int in, int out) {
        Gemm.mul(T, in, out, dy, dyOff, out, 1, w, wOff, in, dx, dxOff, in, true);
    }

    /** dW[out][in] += dyᵀ · x. */
    public static void backwardWeight(float[] dw, int dwOff, float[] dy, int dyOff, float[] x, int xOff, int T, int in, int out) {
        Gemm.mul(out, in, T, dy, dyOff, 1, out, x, xOff, in, dw, dwOff, in, true);
    }

    /** Writes W [rows][cols] at {@code off} of {@code w} transposed into {@code wT} at the same offset. */
    public static void transpose(float[] w, float[] wT, int off, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int src = off + r * cols;
            for (int c = 0; c < cols; c++) wT[off + c * rows + r] = w[src + c];
        }
    }
}
