package dev.bgl.decode;

import java.util.Arrays;

/**
 * The candidate tokens of one draw, which the {@link SamplerLink}s of a {@link Sampler} narrow
 * and draw from (llama.cpp's {@code llama_token_data_array}). Filled from the logits: the most
 * likely token and its logit at once; the candidates sorted by descending logit (ties by id) only
 * when a link asks ({@link #sorted}), since a greedy draw never needs them.
 *
 * <p>Tokens whose logit is more than {@code width} below the best cannot carry probability mass
 * that matters (e^-30 each at the width 30·max(1, T) a sampler uses), so they are left out before sorting; this keeps a 150k
 * vocabulary cheap without changing any draw in practice. Buffers are reused across draws.
 */
public final class Candidates {
    private float[] logits;
    private int vocab;
    private int best;
    private float width;
    private long[] keys = new long[0];
    int[] ids = new int[0];
    double[] weights = new double[0];
    /** Candidates left: the first {@code size} of {@link #ids}; −1 before they are gathered. */
    int size = -1;
    /** What the softmax of the draw divides (logit − max) by: set by {@link SamplerLink.Temperature}. */
    float temperature = 1f;
    /** The token drawn, once a draw link has run (−1 before). */
    int selected = -1;

    /** Starts a draw from these logits (the first {@code n}): nothing gathered, nothing drawn. */
    void reset(float[] logits, int n, float width) {
        this.logits = logits;
        this.vocab = n;
        this.width = width;
        this.best = Sampler.argmax(logits, n);
        this.size = -1;
        this.temperature = 1f;
        this.selected = -1;
    }

    float[] logits() {
        return logits;
    }

    /** The most likely token (the lowest id among equals). */
    int best() {
        return best;
    }

    /** Its logit. */
    float max() {
        return logits[best];
    }

    /** Gathers the candidates within {@code width} of the best, sorted by descending logit, ties by id (once per draw). */
    void sorted() {
        if (size >= 0) return;
        if (keys.length < vocab) {
            keys = new long[vocab];
            ids = new int[vocab];
            weights = new double[vocab];
        }
        float cutoff = max() - width;
        int m = 0;
        for (int i = 0; i < vocab; i++) {
            float l = logits[i];
            if (l >= cutoff) {
                // ascending order of the key = descending logit, ties by token id
                int bits = Float.floatToIntBits(l);
                int sortable = bits >= 0 ? bits : bits ^ 0x7fffffff;
                keys[m++] = ((long) ~sortable << 32) | i;
            }
        }
        Arrays.sort(keys, 0, m);
        for (int i = 0; i < m; i++) ids[i] = (int) keys[i];
        size = m;
    }
}
