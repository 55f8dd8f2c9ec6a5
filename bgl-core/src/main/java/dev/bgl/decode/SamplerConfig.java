package dev.bgl.decode;

import dev.bgl.util.BglException;

/**
 * How the next token is drawn from the (processed) logits. {@code temperature <= 0} means greedy.
 * Filters apply in llama.cpp's default order: top-k, top-p, min-p, then temperature.
 *
 * @param topK  keep the k most likely tokens (0 = off)
 * @param topP  keep the smallest set whose probability reaches p (1 = off)
 * @param minP  drop tokens below minP × the top probability (0 = off)
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP, long seed) {

    public static final SamplerConfig GREEDY = new SamplerConfig(0f, 0, 1f, 0f, 0);

    public SamplerConfig {
        if (!(temperature >= 0) || temperature > 100) throw new BglException("temperature must be in [0, 100], got " + temperature);
        if (topK < 0) throw new BglException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new BglException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new BglException("min-p must be in [0, 1), got " + minP);
    }

    public static SamplerConfig temperature(float t, long seed) {
        return new SamplerConfig(t, 0, 1f, 0f, seed);
    }

    public boolean greedy() {
        return temperature <= 0;
    }
}
