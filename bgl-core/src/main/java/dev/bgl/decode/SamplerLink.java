package dev.bgl.decode;

import java.util.SplittableRandom;

/**
 * One link of a {@link Sampler}, after llama.cpp's sampler chain ({@code llama_sampler_i}): each
 * narrows the {@link Candidates} or draws from them, in the order {@link SamplerConfig} gives
 * (llama.cpp's default: top-k, top-p, min-p, temperature, then the draw). Links run on the decode
 * thread and allocate nothing per token.
 */
public sealed interface SamplerLink {
    void apply(Candidates c);

    /** Keeps the {@code k} most likely candidates. */
    record TopK(int k) implements SamplerLink {
        public void apply(Candidates c) {
            c.sorted();
            c.size = Math.min(c.size, k);
        }
    }

    /** Keeps the smallest most-likely set whose probability (softmax at temperature 1 over the candidates) reaches {@code p}. */
    record TopP(float p) implements SamplerLink {
        public void apply(Candidates c) {
            c.sorted();
            float[] logits = c.logits();
            float max = c.max();
            double sum = 0;
            for (int i = 0; i < c.size; i++) sum += c.weights[i] = Math.exp(logits[c.ids[i]] - max);
            double cum = 0;
            for (int i = 0; i < c.size; i++) {
                cum += c.weights[i] / sum;
                if (cum >= p) {
                    c.size = i + 1;
                    return;
                }
            }
        }
    }

    /** Drops the candidates whose probability is below {@code p} × the most likely one's. */
    record MinP(float p) implements SamplerLink {
        public void apply(Candidates c) {
            c.sorted();
            float[] logits = c.logits();
            float max = c.max();
            double floor = p * Math.exp(logits[c.ids[0]] - max);
            int keep = 1;
            while (keep < c.size && Math.exp(logits[c.ids[keep]] - max) >= floor) keep++;
            c.size = keep;
        }
    }

    /** Divides the logits by {@code t} in the draw's softmax. */
    record Temperature(float t) implements SamplerLink {
        public void apply(Candidates c) {
            c.temperature = t;
        }
    }

    /** Takes the most likely token. */
    record Greedy() implements SamplerLink {
        public void apply(Candidates c) {
            c.selected = c.best();
        }
    }

    /** Draws from the softmax of the candidates with a seeded generator, so a seed reproduces a run. */
    record Distribution(SplittableRandom random) implements SamplerLink {
        public Distribution(long seed) {
            this(new SplittableRandom(seed));
        }

        public void apply(Candidates c) {
            c.sorted();
            float[] logits = c.logits();
            float max = c.max();
            double total = 0;
            for (int i = 0; i < c.size; i++) total += c.weights[i] = Math.exp((logits[c.ids[i]] - max) / c.temperature);
            double u = random.nextDouble() * total;
            for (int i = 0; i < c.size; i++) {
                u -= c.weights[i];
                if (u < 0) {
                    c.selected = c.ids[i];
                    return;
                }
            }
            c.selected = c.ids[c.size - 1];
        }
    }
}
