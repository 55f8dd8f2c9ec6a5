package dev.bgl.decode;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits. Greedy takes the argmax; otherwise the candidates that survive
 * top-k, top-p and min-p (llama.cpp's order) are drawn from softmax(logits / T) with a seeded
 * generator, so a seed reproduces a run.
 *
 * <p>Tokens whose logit is more than {@code 30·max(1, T)} below the best cannot carry probability
 * mass that matters (e^-30 each), so they are dropped before sorting; this keeps a 150k vocabulary
 * cheap without changing any draw in practice. Buffers are reused across calls.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final SplittableRandom random;
    private long[] keys = new long[0];
    private int[] ids = new int[0];
    private double[] weights = new double[0];

    public Sampler(SamplerConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    public SamplerConfig config() {
        return config;
    }

    public static int argmax(float[] logits, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    public int sample(float[] logits, int n) {
        int best = argmax(logits, n);
        if (config.greedy()) return best;
        float max = logits[best];
        if (max == Float.NEGATIVE_INFINITY) return best;
        if (keys.length < n) {
            keys = new long[n];
            ids = new int[n];
            weights = new double[n];
        }
        float cutoff = max - 30f * Math.max(1f, config.temperature());
        int m = 0;
        for (int i = 0; i < n; i++) {
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
        if (config.topK() > 0) m = Math.min(m, config.topK());

        double sum = 0;
        for (int i = 0; i < m; i++) sum += weights[i] = Math.exp(logits[ids[i]] - max);
        if (config.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < m; i++) {
                cum += weights[i] / sum;
                if (cum >= config.topP()) {
                    m = i + 1;
                    break;
                }
            }
        }
        if (config.minP() > 0f) {
            double floor = config.minP() * weights[0];
            int keep = 1;
            while (keep < m && weights[keep] >= floor) keep++;
            m = keep;
        }
        double total = 0;
        for (int i = 0; i < m; i++) total += weights[i] = Math.exp((logits[ids[i]] - max) / config.temperature());
        double u = random.nextDouble() * total;
        for (int i = 0; i < m; i++) {
            u -= weights[i];
            if (u < 0) return ids[i];
        }
        return ids[m - 1];
    }
}
