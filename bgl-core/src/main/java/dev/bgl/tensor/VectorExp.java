package dev.bgl.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x with the same bits whether or not the JIT has compiled the caller (training, and the
 * engine's SwiGLU). The Vector
 * API's {@code lanewise(EXP)} is {@code Math.exp} per lane until C2 compiles it, then a SIMD
 * library call, and the two differ in the last bit for about 1% of inputs, which made a resumed
 * training run drift from the uninterrupted one. This is Cephes' expf built only from operations
 * IEEE rounds exactly once in both forms (add, mul, fma, min/max, integer shifts): round x·log2(e)
 * to n, reduce r = x − n·ln2 in two fma steps, a degree-6 polynomial for e^r, times 2^n from the
 * exponent bits. About 1 ulp from the true value over the clamped range [−87.3, 88.37] (outside
 * it the result saturates: e^−87.3 ≈ 1.1e−38 and e^88.37 ≈ 2.4e38, which the silu callers treat
 * as 0 and ∞). The scalar form repeats each step, so a vector's tail matches its body.
 */
public final class VectorExp {
    private static final float LO = -87.3f, HI = 88.37f;
    private static final float LOG2E = 1.44269504088896341f, ROUND = 12582912f; // 1.5·2^23: adding it rounds to an integer
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    private VectorExp() {
    }

    public static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> f = x.species();
        x = x.max(LO).min(HI);
        FloatVector n = x.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(f, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(f, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(f, P2));
        p = p.fma(r, FloatVector.broadcast(f, P3));
        p = p.fma(r, FloatVector.broadcast(f, P4));
        p = p.fma(r, FloatVector.broadcast(f, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        FloatVector twoN = ((IntVector) n.convert(VectorOperators.F2I, 0))
                .add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(twoN);
    }

    public static float exp(float x) {
        x = Math.min(Math.max(x, LO), HI);
        float n = x * LOG2E + ROUND - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        return y * Float.intBitsToFloat(((int) n + 127) << 23);
    }
}
