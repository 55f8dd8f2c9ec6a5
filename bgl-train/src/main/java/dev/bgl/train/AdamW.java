package dev.bgl.train;

/**
 * AdamW (β1 0.9, β2 0.95, eps 1e-8) with decoupled weight decay on matrices only, after global
 * gradient-norm clipping. The moments live in the parameter layout.
 */
public final class AdamW {
    public static final float BETA1 = 0.9f, BETA2 = 0.95f, EPS = 1e-8f;

    private AdamW() {
    }

    /** The L2 norm of all gradients (summed in double). */
    public static double gradNorm(float[] g) {
        double s = 0;
        for (float x : g) s += (double) x * x;
        return Math.sqrt(s);
    }

    /**
     * One update of {@code p} from gradient {@code g}: scales g by clip/norm when its norm exceeds
     * {@code clip} (> 0), then the Adam step with bias correction for step {@code t} (1-based).
     *
     * @return the gradient norm before clipping
     */
    public static double step(ParamLayout layout, float[] p, float[] g, float[] m, float[] v, int t,
                              float lr, float weightDecay, float clip) {
        double norm = gradNorm(g);
        float gScale = clip > 0 && norm > clip ? (float) (clip / norm) : 1f;
        float c1 = 1f / (1f - (float) Math.pow(BETA1, t)), c2 = 1f / (1f - (float) Math.pow(BETA2, t));
        for (ParamLayout.View view : layout.views()) {
            float decay = view.kind() == ParamLayout.Kind.MATRIX ? weightDecay : 0f;
            int end = view.offset() + view.size();
            for (int i = view.offset(); i < end; i++) {
                float gi = g[i] * gScale;
                float mi = m[i] = BETA1 * m[i] + (1 - BETA1) * gi;
                float vi = v[i] = BETA2 * v[i] + (1 - BETA2) * gi * gi;
                float mHat = mi * c1, vHat = vi * c2;
                p[i] -= lr * (mHat / ((float) Math.sqrt(vHat) + EPS) + decay * p[i]);
            }
        }
        return norm;
    }
}
