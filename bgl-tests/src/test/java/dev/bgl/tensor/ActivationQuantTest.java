package dev.bgl.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Q8_0 activation encoding as ggml's x86 quantize_row_q8_0: 127/amax, round half to even, F16 scale. */
class ActivationQuantTest {

    @Test
    void handBuiltBlock() {
        float[] x = new float[64];
        // block 0: amax = 127 -> d = 1, id = 1; halves round to even (2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -0.5 -> 0)
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = 3.5f;
        x[3] = -2.5f;
        x[4] = -0.5f;
        x[5] = 0.49f;
        x[6] = -126.5f;
        // block 1: amax = 1000 -> d = 7.874.. ; in fp16 (step 2^-8 between 4 and 8) that is 2016/256 = 7.875
        x[32] = -1000f;
        x[33] = 500f;  // 500 · (127/1000) = 63.5 up to float rounding of 0.127: 63 or 64, never further
        Activations a = new Activations(64).encode(ActivationType.Q8_0, x, 0, 64);
        assertEquals(1f, a.scale[0]);
        byte[] want = {127, 2, 4, -2, 0, 0, -126};
        for (int j = 0; j < want.length; j++) assertEquals(want[j], a.q[j], "quant " + j);
        for (int j = 7; j < 32; j++) assertEquals(0, a.q[j]);
        assertEquals(127 + 2 + 4 - 2 - 126, a.blockSum[0]);
        assertEquals(7.875f, a.scale[1]);
        assertEquals(-127, a.q[32]);
        int q33 = a.q[33];
        assertEquals(63.5, q33, 0.5);
        assertEquals(-127 + q33, a.blockSum[1]);
    }

    @Test
    void zeroBlockGivesZeroScaleAndQuants() {
        float[] x = new float[32];
        Activations a = new Activations(32).encode(ActivationType.Q8_0, x, 0, 32);
        assertEquals(0f, a.scale[0]);
        for (int j = 0; j < 32; j++) assertEquals(0, a.q[j]);
    }

    /** Random blocks against the scalar statement of the same rule, at an offset into x. */
    @Test
    void randomBlocksMatchScalarRule() {
        Random rnd = new Random(7);
        int n = 32 * 40, off = 5;
        float[] x = new float[n + off];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (1 + (i / 32) % 5));
        Activations a = new Activations(n).encode(ActivationType.Q8_0, x, off, n);
        for (int b = 0; b < n / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + b * 32 + j]));
            float id = 127f / amax;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                int q = (int) Math.rint(x[off + b * 32 + j] * id);
                assertEquals(q, a.q[b * 32 + j], "block " + b + " quant " + j);
                sum += q;
            }
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(amax / 127f)), a.scale[b]);
            assertEquals(sum, a.blockSum[b]);
            // and the decoded activations are close to the input
            for (int j = 0; j < 32; j++)
                assertEquals(x[off + b * 32 + j], a.scale[b] * a.q[b * 32 + j], amax * (0.5f / 127 + 1f / 1024));
        }
    }
}
