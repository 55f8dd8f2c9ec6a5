package dev.bgl.decode;

import java.util.ArrayList;
import java.util.List;

/**
 * Picks the next token from logits through a chain of {@link SamplerLink}s, as llama.cpp's sampler
 * chain does: built from a {@link SamplerConfig} as greedy (the argmax), or top-k, top-p, min-p
 * (those that are on), temperature and a seeded draw, in that order. A draw whose best logit is
 * −∞ (every token forbidden) takes the argmax, as greedy would.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final List<SamplerLink> links;
    private final SamplerLink[] chain; // an array: no iterator per token
    private final float width;
    private final Candidates candidates = new Candidates();

    public Sampler(SamplerConfig config) {
        this.config = config;
        this.links = chain(config);
        this.chain = links.toArray(SamplerLink[]::new);
        this.width = 30f * Math.max(1f, config.temperature());
    }

    /** The links a configuration asks for, in llama.cpp's default order. */
    public static List<SamplerLink> chain(SamplerConfig config) {
        if (config.greedy()) return List.of(new SamplerLink.Greedy());
        List<SamplerLink> l = new ArrayList<>();
        if (config.topK() > 0) l.add(new SamplerLink.TopK(config.topK()));
        if (config.topP() < 1f) l.add(new SamplerLink.TopP(config.topP()));
        if (config.minP() > 0f) l.add(new SamplerLink.MinP(config.minP()));
        l.add(new SamplerLink.Temperature(config.temperature()));
        l.add(new SamplerLink.Distribution(config.seed()));
        return List.copyOf(l);
    }

    public SamplerConfig config() {
        return config;
    }

    public List<SamplerLink> links() {
        return links;
    }

    public static int argmax(float[] logits, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    public int sample(float[] logits, int n) {
        Candidates c = candidates;
        c.reset(logits, n, width);
        if (c.max() == Float.NEGATIVE_INFINITY) return c.best();
        for (SamplerLink link : chain) {
            link.apply(c);
            if (c.selected >= 0) return c.selected;
        }
        throw new IllegalStateException("the sampler chain ends without a draw: " + links);
    }
}
