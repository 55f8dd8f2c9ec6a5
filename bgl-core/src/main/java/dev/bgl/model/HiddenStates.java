package dev.bgl.model;

/**
 * The hidden states at one position: {@code embedding} (the token's embedding row), the residual
 * stream after each layer ({@code layers[i]}), and the final-norm output that the output head
 * reads. A budget predictor reads these; they are filled only when asked for.
 */
public record HiddenStates(float[] embedding, float[][] layers, float[] finalNorm) {

    public static HiddenStates allocate(ModelConfig c) {
        return new HiddenStates(new float[c.dim()], new float[c.layers()][c.dim()], new float[c.dim()]);
    }

    /** Number of vectors: embedding + one per layer + final norm. */
    public int count() {
        return layers.length + 2;
    }

    public int dim() {
        return embedding.length;
    }
}
