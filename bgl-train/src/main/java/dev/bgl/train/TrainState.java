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

    /**
     * A run that starts from given weights (a fine-tune): fresh optimiser moments and step 0, the
     * data and dropout streams of the seed as in {@link #fresh}.
     */
    public static TrainState from(TrainConfig c, float[] params) {
        ParamLayout layout = new ParamLayout(c);
        if (params.length != layout.size())
            throw new dev.bgl.util.BglException("initial weights have " + params.length + " floats, the model " + layout.size());
        Rng rng = new Rng(c.seed());
        ParamInit.init(layout, rng); // consumed as a fresh run would, so the Rng stream after it is the same
        return new TrainState(c, params.clone(), new float[params.length], new float[params.length], 0, 0, rng);
    }
}
