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
}
