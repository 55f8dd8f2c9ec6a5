package dev.bgl.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorExpTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Test
    void withinTwoUlpsOfMathExpOverTheRangeTrainingUses() {
        Random r = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) ((r.nextDouble() * 2 - 1) * 87);
            float want = (float) Math.exp(x), got = VectorExp.exp(x);
            assertTrue(Math.abs(got - want) <= 2 * Math.ulp(want), "exp(" + x + ") = " + got + ", Math.exp " + want);
        }
        assertEquals(1f, VectorExp.exp(0f));
        assertEquals((float) Math.E, VectorExp.exp(1f), Math.ulp((float) Math.E));
    }

    @Test
    void saturatesInsteadOfOverflowing() {
        assertTrue(VectorExp.exp(1000f) > 1e38f && Float.isFinite(VectorExp.exp(1000f)));
        assertTrue(VectorExp.exp(-1000f) > 0 && VectorExp.exp(-1000f) < 2e-38f);
    }

    /** Vector lanes and the scalar form agree bit for bit, also after the JIT has compiled the loop. */
    @Test
    void vectorLanesEqualTheScalarFormBitForBit() {
        Random r = new Random(4);
        float[] x = new float[F.length() * 64], y = new float[x.length];
        for (int round = 0; round < 300; round++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 20);
            for (int i = 0; i < x.length; i += F.length()) VectorExp.exp(FloatVector.fromArray(F, x, i)).intoArray(y, i);
            for (int i = 0; i < x.length; i++)
                assertEquals(Float.floatToRawIntBits(VectorExp.exp(x[i])), Float.floatToRawIntBits(y[i]), "round " + round + ", exp(" + x[i] + ")");
        }
    }

    /**
     * The softmax's exponentials (attention's, {@link VectorOps#expSum}) and the predictor's GELU: every element the
     * scalar {@link VectorExp} value, lanes and tail alike, from the first call on and after C2 has compiled the loops
     * (with {@code lanewise(EXP)} the first calls and the compiled ones differed in the last bit for about 1% of
     * inputs); scores below e's range (a masked −∞) give exactly 0.
     */
    @Test
    void softmaxExponentialsAreTheSameBitsColdAndCompiled() {
        Random r = new Random(5);
        int n = F.length() * 8 + 5;
        float[] x = new float[n], first = null, gFirst = null, g = new float[n];
        float[] in = new float[n];
        for (int i = 0; i < n; i++) in[i] = (float) (r.nextGaussian() * 6);
        in[3] = Float.NEGATIVE_INFINITY;
        in[n - 1] = Float.NEGATIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : in) max = Math.max(max, v);
        for (int round = 0; round < 20_000; round++) {
            System.arraycopy(in, 0, x, 0, n);
            double sum = VectorOps.expSum(x, 0, n, max);
            System.arraycopy(in, 0, g, 0, n);
            g[3] = g[n - 1] = 0.5f;
            VectorOps.gelu(g, 0, n);
            if (first == null) {
                first = x.clone();
                gFirst = g.clone();
                double want = 0;
                for (int i = 0; i < n; i++) {
                    float e = i == 3 || i == n - 1 ? 0f : VectorExp.exp(in[i] - max);
                    assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(x[i]), "element " + i);
                    want += e;
                }
                assertTrue(Math.abs(sum - want) <= 1e-5 * want, sum + " against " + want);
            } else if (round % 1000 == 0) {
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(first[i]), Float.floatToRawIntBits(x[i]), "round " + round + ", element " + i);
                    assertEquals(Float.floatToRawIntBits(gFirst[i]), Float.floatToRawIntBits(g[i]), "gelu, round " + round + ", element " + i);
                }
            }
        }
    }
}
