package dev.bgl.budget.predictor;

import dev.bgl.model.HiddenStates;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random predictor weights and hidden states for the tests. */
public final class Fixtures {
    private Fixtures() {
    }

    public static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (scale * r.nextGaussian());
        return a;
    }

    public static float[] around(SplittableRandom r, int n, double mean, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (mean + scale * r.nextGaussian());
        return a;
    }

    /** Random weights with LayerNorm gains near 1 and heads of plain Gaussian rows. */
    public static PredictorWeights random(PredictorConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int h = c.hidden(), d = c.width(), f = c.ffn(), v = c.vocab();
        double sIn = 1 / Math.sqrt(h), sD = 1 / Math.sqrt(d), sF = 1 / Math.sqrt(f);
        List<PredictorWeights.Layer> ls = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            ls.add(new PredictorWeights.Layer(gaussian(r, d * d, sD), gaussian(r, d, 0.1), gaussian(r, d * d, sD), gaussian(r, d, 0.1),
                    gaussian(r, d * d, sD), gaussian(r, d, 0.1), gaussian(r, d * d, sD), gaussian(r, d, 0.1),
                    around(r, d, 1, 0.1), gaussian(r, d, 0.1), gaussian(r, f * d, sD), gaussian(r, f, 0.1),
                    gaussian(r, d * f, sF), gaussian(r, d, 0.1), around(r, d, 1, 0.1), gaussian(r, d, 0.1)));
        }
        return new PredictorWeights(c, gaussian(r, h, 1), gaussian(r, d * h, sIn), gaussian(r, d, 0.1), ls,
                gaussian(r, v * d, sD), gaussian(r, v * d, sD));
    }

    /**
     * Weights whose last LayerNorm has gain 0 and bias e₀, so z = e₀ whatever the input, and whose
     * heads give token t exactly α = alpha[t], λ = lambda[t] (column 0 holds softplus⁻¹ of them).
     */
    public static PredictorWeights fixedHeads(PredictorConfig c, long seed, double[] alpha, double[] lambda) {
        PredictorWeights base = random(c, seed);
        List<PredictorWeights.Layer> ls = new ArrayList<>(base.layers());
        int last = ls.size() - 1, d = c.width();
        PredictorWeights.Layer L = ls.get(last);
        float[] e0 = new float[d];
        e0[0] = 1;
        ls.set(last, new PredictorWeights.Layer(L.qW(), L.qB(), L.kW(), L.kB(), L.vW(), L.vB(), L.attnOutW(), L.attnOutB(),
                L.attnLnW(), L.attnLnB(), L.ffnInW(), L.ffnInB(), L.ffnOutW(), L.ffnOutB(), new float[d], e0));
        float[] a = new float[c.vocab() * d], l = new float[c.vocab() * d];
        for (int t = 0; t < c.vocab(); t++) {
            a[t * d] = (float) GammaMath.inverseSoftplus(alpha[t]);
            l[t * d] = (float) GammaMath.inverseSoftplus(lambda[t]);
        }
        return new PredictorWeights(c, base.cls(), base.inW(), base.inB(), ls, a, l);
    }

    public static HiddenStates hidden(SplittableRandom r, int layers, int dim) {
        float[][] ls = new float[layers][];
        for (int i = 0; i < layers; i++) ls[i] = gaussian(r, dim, 1);
        return new HiddenStates(gaussian(r, dim, 1), ls, gaussian(r, dim, 1));
    }
}
