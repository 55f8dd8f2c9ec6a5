package dev.bgl.train;

/**
 * Everything a run needs to continue: parameters, AdamW moments, the number of steps done, how
 * many examples were taken from the data (to skip them on resume) and the RNG state.
 */
public final class TrainState {
    public final TrainConfig config;
    public final float[] params, m, v;
    public int step;
    public long examplesConsumed;
    public final Rng rng;

    TrainState(TrainConfig config, float[] params, float[] m, float[] v, int step, long examplesConsumed, Rng rng) {
        this.config = config;
        this.params = params;
        this.m = m;
        this.v = v;
        this.step = step;
        this.examplesConsumed = examplesConsumed;
        this.rng = rng;
    }

    /** A new run: parameters initialised from the config's seed, zero moments. */
    public static TrainState fresh(TrainConfig c) {
        ParamLayout layout = new ParamLayout(c);
        Rng rng = new Rng(c.seed());
        float[] p = ParamInit.init(layout, rng);
        return new TrainState(c, p, new float[p.length], new float[p.length], 0, 0, rng);
    }
}
