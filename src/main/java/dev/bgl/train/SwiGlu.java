package dev.bgl.train;

/** h = silu(gate)·up, silu(g) = g/(1 + e^−g) as the engine computes it. */
final class SwiGlu {
    private SwiGlu() {
    }

    static void forward(float[] h, float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            h[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** Writes (not adds) dgate and dup: silu'(g) = σ(g)·(1 + g·(1 − σ(g))). */
    static void backward(float[] dgate, float[] dup, float[] dh, float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i], sig = 1f / (1f + (float) Math.exp(-g)), d = dh[i];
            dup[i] = d * g * sig;
            dgate[i] = d * up[i] * sig * (1f + g * (1f - sig));
        }
    }
}
