package dev.bgl.train.predictor;

/**
 * AdamW as PyTorch's (β 0.9/0.999, eps 1e-8, decoupled decay lr·wd·p) after clipping the global
 * gradient norm, with its moment estimates. Biases and LayerNorms (the VECTOR views) are not
 * decayed, as HF's trainer leaves them out of weight decay.
 */
final class AdamW {
    static final float BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;

    private final PredictorLayout lay;
    private final float clip, weightDecay;
    private final float[] m, v;

    /** @param clip the global gradient-norm limit (0: none) */
    AdamW(PredictorLayout lay, float clip, float weightDecay) {
        this.lay = lay;
        this.clip = clip;
        this.weightDecay = weightDecay;
        this.m = new float[lay.size()];
        this.v = new float[lay.size()];
    }

    /** Step {@code t} (from 1) of {@code p} along {@code g}; returns the gradient norm before clipping. */
    double step(float[] p, float[] g, int t, float lr) {
        double ss = 0;
        for (float x : g) ss += (double) x * x;
        double norm = Math.sqrt(ss);
        float gs = clip > 0 && norm > clip ? (float) (clip / (norm + 1e-6)) : 1f;
        float c1 = 1f / (1f - (float) Math.pow(BETA1, t)), c2 = 1f / (1f - (float) Math.pow(BETA2, t));
        for (PredictorLayout.View view : lay.views()) {
            float decay = view.kind() == PredictorLayout.Kind.VECTOR ? 0f : weightDecay;
            int end = view.offset() + view.size();
            for (int i = view.offset(); i < end; i++) {
                float gi = g[i] * gs;
                float mi = m[i] = BETA1 * m[i] + (1 - BETA1) * gi;
                float vi = v[i] = BETA2 * v[i] + (1 - BETA2) * gi * gi;
                p[i] -= lr * decay * p[i];
                p[i] -= lr * (mi * c1) / ((float) Math.sqrt(vi * c2) + EPS);
            }
        }
        return norm;
    }
}
