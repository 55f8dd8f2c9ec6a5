package dev.bgl.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vector paths of the activation encodings give bitwise what the value-at-a-time loops give:
 * Q8_K's blocks (largest magnitude found in lanes, rounding by the 1.5·2^23 trick), and the widened
 * quants and column pairs every Q8_0/Q8_K encoding carries.
 */
class ActivationsEncodingTest {
    /** Blocks that stress the vector path: ties of magnitude, half-way roundings, NaN, infinities, zeros, subnormals. */
    private static float[] awkwardBlocks(Random rnd) {
        int blocks = 12;
        float[] x = KernelCheck.gaussian(rnd, 256 * blocks, 1);
        // block 0: +3 and -3 both largest; the first one found (index 5, -3) sets the sign of d
        x[5] = -3;
        x[9] = 3;
        // block 1: the largest magnitude in the last lane of the last vector
        x[256 + 255] = 40;
        // block 2: values that land half-way between integers after scaling (max 127 -> iscale -1)
        for (int j = 0; j < 256; j++) x[512 + j] = (j % 7 - 3) + 0.5f;
        x[512 + 100] = 127;
        // block 3: a NaN (the scalar loop skips it; the vector path must give up and leave it to that loop)
        x[768 + 17] = Float.NaN;
        // block 4: an infinity
        x[1024 + 3] = Float.NEGATIVE_INFINITY;
        // block 5: all zeros but negative zeros
        Arrays.fill(x, 1280, 1536, 0f);
        x[1280 + 8] = -0f;
        // block 6: subnormals only
        for (int j = 0; j < 256; j++) x[1536 + j] = Float.MIN_VALUE * (j - 128);
        // block 7: tiny and huge scales
        for (int j = 0; j < 256; j++) x[1792 + j] *= 1e-30f;
        for (int j = 0; j < 256; j++) x[2048 + j] *= 1e30f;
        // blocks 9..11 stay gaussian
        return x;
    }

    @Test
    void q8kVectorBlocksAreBitwiseTheScalarOnes() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            float[] x = trial == 0 ? awkwardBlocks(rnd) : KernelCheck.gaussian(rnd, 256 * 4, (float) Math.pow(10, rnd.nextInt(9) - 4));
            int n = x.length;
            Activations got = new Activations(n).encode(ActivationType.Q8_K, x, 0, n);
            Activations want = new Activations(n);
            for (int b = 0; b < n / 256; b++) KQuants.quantizeBlockQ8K(x, 256 * b, 256 * b, b, want);
            for (int b = 0; b < n / 256; b++) {
                assertEquals(Float.floatToRawIntBits(want.kScale[b]), Float.floatToRawIntBits(got.kScale[b]), "trial " + trial + " block " + b + " scale");
                for (int j = 0; j < 256; j++) {
                    assertEquals(want.q[256 * b + j], got.q[256 * b + j], "trial " + trial + " block " + b + " quant " + j);
                    assertEquals(want.q[256 * b + j], got.qs[256 * b + j], "trial " + trial + " block " + b + " widened quant " + j);
                }
                for (int g = 0; g < 16; g++) assertEquals(want.kSum16[16 * b + g], got.kSum16[16 * b + g], "trial " + trial + " block " + b + " sum " + g);
            }
            assertPairs(got, n);
        }
    }

    @Test
    void q8_0WidenedQuantsAndPairsFollowTheQuants() {
        Random rnd = new Random(12);
        for (int n : new int[]{32, 96, 1024, 32 * 33}) {
            float[] x = KernelCheck.gaussian(rnd, n + 5, 1);
            Activations a = new Activations(n).encode(ActivationType.Q8_0, x, 5, n);
            for (int i = 0; i < n; i++) assertEquals(a.q[i], a.qs[i], "n " + n + " widened quant " + i);
            assertPairs(a, n);
            int[] sums = new int[n / 32];
            for (int i = 0; i < n; i++) sums[i / 32] += a.q[i];
            assertArrayEquals(sums, Arrays.copyOf(a.blockSum, n / 32), "block sums, n " + n);
        }
    }

    private static void assertPairs(Activations a, int n) {
        for (int i = 0; i < n / 2; i++)
            assertEquals((a.qs[2 * i] & 0xFFFF) | (a.qs[2 * i + 1] << 16), a.pairs[i], "pair " + i + " of " + n);
    }
}
