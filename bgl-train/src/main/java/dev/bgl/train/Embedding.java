package dev.bgl.train;

/** Token embedding lookup; its gradient scatters back into the looked-up rows. */
final class Embedding {
    private Embedding() {
    }

    static void forward(float[] x, float[] emb, int embOff, int[] tokens, int T, int dim) {
        for (int t = 0; t < T; t++) System.arraycopy(emb, embOff + tokens[t] * dim, x, t * dim, dim);
    }

    static void backward(float[] dEmb, int embOff, float[] dx, int[] tokens, int T, int dim) {
        for (int t = 0; t < T; t++) {
            int row = embOff + tokens[t] * dim;
            for (int i = 0; i < dim; i++) dEmb[row + i] += dx[t * dim + i];
        }
    }
}
