package dev.bgl.train;

import dev.bgl.tensor.VectorExp;
import dev.bgl.tensor.VectorOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * h = silu(gate)·up, silu(g) = g/(1 + e^−g) in the engine's order of operations; vectorised (exp was a hot
 * spot), with {@link VectorExp} so that a step gives the same bits however far the JIT has got.
 */
final class SwiGlu {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;

    private SwiGlu() {
    }

    static void forward(float[] h, float[] gate, float[] up, int n) {
        VectorOps.siluMul(gate, up, h, n);
    }

    /** Writes (not adds) dgate and dup: silu'(g) = σ(g)·(1 + g·(1 − σ(g))). */
    static void backward(float[] dgate, float[] dup, float[] dh, float[] gate, float[] up, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i), d = FloatVector.fromArray(F, dh, i);
            FloatVector one = FloatVector.broadcast(F, 1f);
            FloatVector sig = one.div(VectorExp.exp(g.neg()).add(1f));
            d.mul(g).mul(sig).intoArray(dup, i);
            d.mul(FloatVector.fromArray(F, up, i)).mul(sig).mul(one.add(g.mul(one.sub(sig)))).intoArray(dgate, i);
        }
        for (; i < n; i++) {
            float g = gate[i], sig = 1f / (VectorExp.exp(-g) + 1f), d = dh[i];
            dup[i] = d * g * sig;
            dgate[i] = d * up[i] * sig * (1f + g * (1f - sig));
        }
    }
}
