package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vector kernels against the scalar reference on random data, and quantisation round trips. */
class VectorDotTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dotMatchesReference(GgmlType type) {
        KernelCheck.dotMatchesReference(type, 11);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dot4MatchesReference(GgmlType type) {
        KernelCheck.dot4MatchesDot(type, 12);
    }

    /**
     * quantize → dequantize stays within the format's resolution: F16 2^-11 and BF16 2^-8 relative;
     * Q8_0 half a step of amax/127 (plus the scale's F16 rounding); Q4_0 one step |d| = amax/8
     * (the value opposite the largest one clamps from +8 to +7 steps).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void roundTripWithinResolution(GgmlType type) {
        Random rnd = new Random(13);
        int rows = 6, cols = 256;
        float[] x = KernelCheck.gaussian(rnd, rows * cols, 2);
        float[] back = Tensor.quantize("t", type, x, rows, cols).toFloats();
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                float v = x[i], err = Math.abs(v - back[i]);
                float bound = switch (type) {
                    case F32 -> 0f;
                    case F16 -> Math.abs(v) * 0x1p-11f;
                    case BF16 -> Math.abs(v) * 0x1p-8f;
                    case Q8_0 -> amax * (0.5f / 127 + 0x1p-11f) * 1.0001f;
                    case Q4_0 -> amax / 8 * (1 + 0x1p-10f) * 1.0001f;
                    default -> throw new AssertionError(type);
                };
                assertTrue(err <= bound, type + " element " + i + ": " + v + " -> " + back[i] + " (error " + err + " > " + bound + ")");
            }
        }
    }
}
