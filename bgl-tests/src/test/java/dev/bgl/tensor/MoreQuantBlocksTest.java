package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-built blocks of the quant types added for downloaded files (Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4,
 * Q2_K, Q3_K, IQ4_XS): bytes written one by one, the values they stand for worked out from ggml's
 * layout, checked through dequantize and through the dot product with one-hot activations.
 */
class MoreQuantBlocksTest {
    /** ggml's kvalues_iq4nl, typed in again here so a wrong table in the kernel shows. */
    private static final int[] IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static MemorySegment bytes(int... b) {
        MemorySegment s = Arena.ofAuto().allocate(b.length);
        for (int i = 0; i < b.length; i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) b[i]);
        return s;
    }

    /** Element j through dot(row, 127·e_j)/127: the activation block then quantises to scale ±1 and quant ∓127 exactly. */
    private static float[] throughDot(TypeKernel k, MemorySegment row, int n) {
        Activations a = new Activations(n);
        float[] e = new float[n], got = new float[n], got4 = new float[4];
        for (int j = 0; j < n; j++) {
            e[j] = 127;
            a.encode(k.activationType(), e, 0, n);
            got[j] = k.dot(row, 0, a, 0, n) / 127f;
            assertEquals(got[j], k.dotReference(row, 0, a, 0, n) / 127f, 1e-6f * Math.max(1, Math.abs(got[j])), "reference dot, element " + j);
            k.dot4(row, 0, a, a, a, a, n, got4, 0, 1);
            for (float v : got4) assertEquals(got[j], v / 127f, 1e-6f * Math.max(1, Math.abs(got[j])), "dot4, element " + j);
            e[j] = 0;
        }
        return got;
    }

    private static void check(TypeKernel k, int[] b, float[] want) {
        MemorySegment row = bytes(b);
        float[] got = new float[want.length];
        k.dequantize(row, 0, got, 0, want.length);
        assertArrayEquals(want, got, 0f, k.type() + " dequantize"); // delta 0: equal values, -0 == 0
        assertArrayEquals(want, throughDot(k, row, want.length), 0f, k.type() + " dot");
    }

    @Test
    void q4_1() {
        // d = 0x4000 = 2, m = 0xbc00 = -1; byte j = (15 − j) << 4 | j
        int[] b = new int[20];
        b[1] = 0x40;
        b[3] = 0xbc;
        for (int j = 0; j < 16; j++) b[4 + j] = ((15 - j) << 4) | j;
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) {
            want[j] = 2 * j - 1;
            want[j + 16] = 2 * (15 - j) - 1;
        }
        assertEquals(-1f, want[0]);
        assertEquals(29f, want[16]);
        check(Q4_1Kernel.INSTANCE, b, want);
    }

    @Test
    void q5_0() {
        // d = 1; qh = 0x0000ffff: elements 0..15 have their fifth bit, 16..31 not; byte j = j << 4 | (15 − j)
        int[] b = new int[22];
        b[1] = 0x3c;
        b[2] = 0xff;
        b[3] = 0xff;
        for (int j = 0; j < 16; j++) b[6 + j] = (j << 4) | (15 - j);
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) {
            want[j] = (15 - j + 16) - 16;
            want[j + 16] = j - 16;
        }
        assertEquals(15f, want[0]);
        assertEquals(-16f, want[16]);
        check(Q5_0Kernel.INSTANCE, b, want);
    }

    @Test
    void q5_1() {
        // d = 0x3800 = 0.5, m = 0x4000 = 2; qh bits 0 and 16: elements 0 and 16 get +16; byte j = j << 4 | j
        int[] b = new int[24];
        b[1] = 0x38;
        b[3] = 0x40;
        b[4] = 0x01;
        b[6] = 0x01;
        for (int j = 0; j < 16; j++) b[8 + j] = (j << 4) | j;
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) want[j] = want[j + 16] = 0.5f * j + 2;
        want[0] = want[16] = 0.5f * 16 + 2;
        check(Q5_1Kernel.INSTANCE, b, want);
    }

    @Test
    void iq4_nl() {
        // d = 0xc000 = −2; byte j = (15 − j) << 4 | j: element j is table entry j, element j+16 entry 15 − j
        int[] b = new int[18];
        b[1] = 0xc0;
        for (int j = 0; j < 16; j++) b[2 + j] = ((15 - j) << 4) | j;
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) {
            want[j] = -2 * IQ4NL[j];
            want[j + 16] = -2 * IQ4NL[15 - j];
        }
        assertEquals(254f, want[0]);
        check(IQ4_NLKernel.INSTANCE, b, want);
    }

    /** An E2M1 code by the OCP spec: sign bit 3, exponent bits 2-1 (bias 1), mantissa bit 0; exponent 0 is subnormal (0 or 0.5). */
    private static float e2m1(int code) {
        int exp = (code >> 1) & 3, man = code & 1;
        float mag = exp == 0 ? 0.5f * man : (1 + 0.5f * man) * (1 << (exp - 1));
        return (code & 8) != 0 ? -mag : mag;
    }

    @Test
    void mxfp4() {
        // block 0: e = 127 (scale 1): value = E2M1 code; block 1: e = 125 (scale 1/4); byte j = (15 − j) << 4 | j
        int[] b = new int[34];
        b[0] = 127;
        b[17] = 125;
        for (int j = 0; j < 16; j++) b[1 + j] = b[18 + j] = ((15 - j) << 4) | j;
        float[] want = new float[64];
        for (int j = 0; j < 16; j++) {
            want[j] = e2m1(j);
            want[j + 16] = e2m1(15 - j);
            want[32 + j] = e2m1(j) / 4;
            want[48 + j] = e2m1(15 - j) / 4;
        }
        assertEquals(6f, want[7]);
        assertEquals(-6f, want[16]);
        assertEquals(-0.125f, want[32 + 9]);
        check(MXFP4Kernel.INSTANCE, b, want);
    }

    @Test
    void mxfp4SubnormalScales() {
        // ggml's E8M0 "half" scale: e = 0 and 1 give 2^-128 and 2^-127 (float subnormals), e = 254 gives 2^126
        assertEquals(Math.scalb(1f, -128), MXFP4Kernel.halfScale(0));
        assertEquals(Math.scalb(1f, -127), MXFP4Kernel.halfScale(1));
        assertEquals(Math.scalb(1f, -126), MXFP4Kernel.halfScale(2));
        assertEquals(Math.scalb(1f, 126), MXFP4Kernel.halfScale(254));
    }

    @Test
    void q2_K() {
        // scale byte s = min 1 << 4 | scale 2, except sub-block 5: scale 3, min 0; every qs byte 0xe4 = levels 0,1,2,3 at
        // shifts 0,2,4,6, so element i has level (i % 128) / 32; d = 1, dmin = 0.5 (at bytes 80 and 82)
        int[] b = new int[84];
        for (int s = 0; s < 16; s++) b[s] = 0x12;
        b[5] = 0x03;
        for (int j = 0; j < 64; j++) b[16 + j] = 0xe4;
        b[81] = 0x3c;
        b[83] = 0x38;
        float[] want = new float[256];
        for (int i = 0; i < 256; i++) {
            int level = (i % 128) / 32;
            want[i] = i / 16 == 5 ? 3 * level : 2 * level - 0.5f;
        }
        assertEquals(-0.5f, want[0]);
        assertEquals(6f, want[80]);
        assertEquals(5.5f, want[127]);
        check(Q2_KKernel.INSTANCE, b, want);
    }

    @Test
    void q3_K() {
        // hmask: byte 0 = 0 (elements with i % 32 == 0 lose 4), the rest 0xff; qs bytes 0xe4: low part (i % 128) / 32;
        // scales all 33 (= scale 1: low nibble 1, high bits 2) except sub-block 15: 0 (= −32); d = 2
        int[] b = new int[110];
        for (int j = 1; j < 32; j++) b[j] = 0xff;
        for (int j = 0; j < 64; j++) b[32 + j] = 0xe4;
        for (int j = 0; j < 8; j++) b[96 + j] = 0x11;
        b[96 + 7] = 0x01;                             // sub-block 15's low nibble: 0
        for (int j = 8; j < 12; j++) b[96 + j] = 0xaa;
        b[96 + 11] = 0x2a;                            // sub-block 15's high bits: 0
        b[109] = 0x40;
        float[] want = new float[256];
        for (int i = 0; i < 256; i++) {
            int level = (i % 128) / 32 - (i % 32 == 0 ? 4 : 0);
            want[i] = 2f * (i / 16 == 15 ? -32 : 1) * level;
        }
        assertEquals(-8f, want[0]);
        assertEquals(-6f, want[32]);
        assertEquals(-192f, want[255]);
        check(Q3_KKernel.INSTANCE, b, want);
    }

    @Test
    void iq4_XS() {
        // d = 1; sub-blocks 0..6 scale 33 (low nibble 1, high bits 2) = +1, sub-block 7 scale 30 (low 14, high 1) = −2;
        // scales_h = 0x6aaa; each sub-block's 16 bytes j = (15 − j) << 4 | j
        int[] b = new int[136];
        b[1] = 0x3c;
        b[2] = 0xaa;
        b[3] = 0x6a;
        b[4] = b[5] = b[6] = 0x11;
        b[7] = 0xe1;
        for (int s = 0; s < 8; s++)
            for (int j = 0; j < 16; j++) b[8 + 16 * s + j] = ((15 - j) << 4) | j;
        float[] want = new float[256];
        for (int s = 0; s < 8; s++)
            for (int j = 0; j < 16; j++) {
                int sc = s == 7 ? -2 : 1;
                want[32 * s + j] = sc * IQ4NL[j];
                want[32 * s + 16 + j] = sc * IQ4NL[15 - j];
            }
        assertEquals(254f, want[224]);
        check(IQ4_XSKernel.INSTANCE, b, want);
    }

    /**
     * The quantisers make-model writes with: Gaussian rows come back within a per-type relative RMS
     * error (about what the bits allow: 2 bits loose, 5 bits tight), and an all-zero row as zeros.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "MXFP4", "Q2_K", "Q3_K", "IQ4_XS"})
    void quantiserRoundTrips(GgmlType type) {
        int n = 4 * 256;
        Random rnd = new Random(7);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian() * 0.02f;
        float[] back = Tensor.quantize("w", type, x, 1, n).toFloats();
        double err = 0, ref = 0;
        for (int i = 0; i < n; i++) {
            err += (back[i] - x[i]) * (back[i] - x[i]);
            ref += x[i] * x[i];
        }
        double rel = Math.sqrt(err / ref);
        double bound = switch (type) {
            case Q2_K -> 0.45;
            case Q3_K -> 0.25;
            case Q5_0, Q5_1 -> 0.06;
            default -> 0.15; // 4-bit types
        };
        assertTrue(rel < bound, type + ": relative RMS error " + rel + " >= " + bound);
        assertArrayEquals(new float[n], Tensor.quantize("z", type, new float[n], 1, n).toFloats(), 0f, type + " zeros");
    }
}
