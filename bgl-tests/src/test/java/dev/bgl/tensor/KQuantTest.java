package dev.bgl.tensor;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ggml's K-quants: super-blocks written byte by byte from the layouts in ggml-common.h, with the
 * expected values worked out here by arithmetic; read back by dequantize and through the dot
 * product; quantise → dequantise error bounds; the Q8_K activation encoding.
 */
class KQuantTest {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final short F16_ONE = 0x3C00, F16_HALF = 0x3800, F16_QUARTER = 0x3400;

    // Sub-block scales and mins for the Q4_K/Q5_K blocks, and their 12-byte packing worked out by
    // hand: bytes 0-3 scale 0-3 | (top 2 bits of scale 4-7) << 6; bytes 4-7 min 0-3 | (top 2 bits
    // of min 4-7) << 6; bytes 8-11 low 4 bits of scale 4-7 | (low 4 bits of min 4-7) << 4.
    // scale 4..7 = 17 (01 0001), 33 (10 0001), 48 (11 0000), 5 (00 0101);
    // min 4..7 = 60 (11 1100), 20 (01 0100), 40 (10 1000), 63 (11 1111).
    private static final int[] SC = {1, 2, 3, 63, 17, 33, 48, 5};
    private static final int[] MN = {0, 1, 2, 3, 60, 20, 40, 63};
    private static final int[] PACKED = {0x41, 0x82, 0xC3, 0x3F, 0xC0, 0x41, 0x82, 0xC3, 0xC1, 0x41, 0x80, 0xF5};

    private static MemorySegment block(int bytes) {
        return Arena.ofAuto().allocate(bytes);
    }

    private static void u8(MemorySegment s, long at, int v) {
        s.set(ValueLayout.JAVA_BYTE, at, (byte) v);
    }

    /** Q4_K: d = 1, dmin = 0.5; element e (sub-block e/32) has nibble (7e mod 16). */
    static MemorySegment q4kBlock(float[] expected) {
        MemorySegment b = block(144);
        b.set(LE16, 0, F16_ONE);
        b.set(LE16, 2, F16_HALF);
        for (int i = 0; i < 12; i++) u8(b, 4 + i, PACKED[i]);
        for (int e = 0; e < 256; e++) {
            int q = (7 * e) % 16, g = e / 64, l = e % 64;
            long at = 16 + 32 * g + (l % 32);
            int old = b.get(ValueLayout.JAVA_BYTE, at) & 0xff;
            u8(b, at, l < 32 ? old | q : old | (q << 4));
            expected[e] = 1f * SC[e / 32] * q - 0.5f * MN[e / 32];
        }
        return b;
    }

    /** Q5_K: d = 0.5, dmin = 0.25; level (11e mod 32): low 4 bits as Q4_K's nibbles, bit 4 in qh[e mod 32] bit e/32. */
    static MemorySegment q5kBlock(float[] expected) {
        MemorySegment b = block(176);
        b.set(LE16, 0, F16_HALF);
        b.set(LE16, 2, F16_QUARTER);
        for (int i = 0; i < 12; i++) u8(b, 4 + i, PACKED[i]);
        for (int e = 0; e < 256; e++) {
            int q = (11 * e) % 32, g = e / 64, l = e % 64;
            long at = 48 + 32 * g + (l % 32);
            int old = b.get(ValueLayout.JAVA_BYTE, at) & 0xff;
            u8(b, at, l < 32 ? old | (q & 15) : old | ((q & 15) << 4));
            long hAt = 16 + e % 32;
            u8(b, hAt, (b.get(ValueLayout.JAVA_BYTE, hAt) & 0xff) | ((q >> 4) << (e / 32)));
            expected[e] = 0.5f * SC[e / 32] * q - 0.25f * MN[e / 32];
        }
        return b;
    }

    /**
     * Q6_K: d = 0.25, scales (g − 8) for g = 0..15 (negative ones included), level (e mod 64) − 32:
     * in half h = e/128, quarter k and lane l of (e mod 128) = 32k + l, the low 4 bits sit in
     * ql[64h + l + 32(k mod 2)] (low nibble for k < 2, high for k ≥ 2) and the top 2 bits in
     * qh[32h + l] at bits 2k, 2k+1.
     */
    static MemorySegment q6kBlock(float[] expected) {
        MemorySegment b = block(210);
        for (int g = 0; g < 16; g++) u8(b, 192 + g, g - 8);
        b.set(LE16, 208, F16_QUARTER);
        for (int e = 0; e < 256; e++) {
            int q = e % 64, h = e / 128, k = (e % 128) / 32, l = e % 32;
            long ql = 64 * h + l + 32 * (k % 2), qh = 128 + 32 * h + l;
            int old = b.get(ValueLayout.JAVA_BYTE, ql) & 0xff;
            u8(b, ql, k < 2 ? old | (q & 15) : old | ((q & 15) << 4));
            u8(b, qh, (b.get(ValueLayout.JAVA_BYTE, qh) & 0xff) | ((q >> 4) << (2 * k)));
            expected[e] = 0.25f * (e / 16 - 8) * (q - 32);
        }
        return b;
    }

    private static MemorySegment handBuilt(GgmlType type, float[] expected) {
        return switch (type) {
            case Q4_K -> q4kBlock(expected);
            case Q5_K -> q5kBlock(expected);
            case Q6_K -> q6kBlock(expected);
            default -> throw new AssertionError(type);
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void handBuiltBlockDequantizes(GgmlType type) {
        float[] want = new float[256], got = new float[256 + 3];
        MemorySegment b = handBuilt(type, want);
        TypeKernel.of(type).dequantize(b, 0, got, 3, 256);
        for (int e = 0; e < 256; e++) assertEquals(want[e], got[3 + e], type + " element " + e);
    }

    /**
     * dot(row, 127·e_j): that activation block encodes with max = 127, iscale = −1, so q_j = −127,
     * d8 = −1, and the product is 127·value exactly up to float rounding of the last multiply.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void handBuiltBlockThroughDot(GgmlType type) {
        float[] want = new float[256];
        MemorySegment b = handBuilt(type, want);
        TypeKernel k = TypeKernel.of(type);
        Activations a = new Activations(256);
        float[] e = new float[256];
        for (int j = 0; j < 256; j++) {
            e[j] = 127;
            a.encode(ActivationType.Q8_K, e, 0, 256);
            assertEquals(-1f, a.kScale[0]);
            assertEquals(-127, a.q[j]);
            float tol = Math.abs(want[j]) * 1e-6f + 1e-6f;
            assertEquals(want[j], k.dot(b, 0, a, 0, 256) / 127f, tol, type + " dot element " + j);
            assertEquals(want[j], k.dotReference(b, 0, a, 0, 256) / 127f, tol, type + " reference element " + j);
            e[j] = 0;
        }
    }

    /**
     * quantize → dequantize: Q4_K/Q5_K within half a step of the sub-block's range/nmax plus half a
     * unit of the 6-bit scale and min grids (d = largest step/63, dmin = largest offset/63);
     * Q6_K within half of a group's amax/31 plus half a unit of d = largest step/127.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void roundTripWithinResolution(GgmlType type) {
        Random rnd = new Random(21);
        int rows = 4, cols = 512;
        float[] x = KernelCheck.gaussian(rnd, rows * cols, 1.5);
        for (int i = 0; i < 40; i++) x[rnd.nextInt(x.length)] *= 6; // outliers, as real weights have
        for (int i = 256; i < 288; i++) x[i] = Math.abs(x[i]) + 0.5f;  // an all-positive sub-block (min 0)
        float[] back = Tensor.quantize("t", type, x, rows, cols).toFloats();
        int nmax = type == GgmlType.Q4_K ? 15 : 31;
        for (int sb = 0; sb < x.length / 256; sb++) {
            int o = sb * 256;
            if (type == GgmlType.Q6_K) {
                float maxStep = 0;
                for (int g = 0; g < 16; g++) maxStep = Math.max(maxStep, amax(x, o + 16 * g, 16) / 31);
                for (int i = o; i < o + 256; i++) {
                    float bound = (amax(x, o + (i - o) / 16 * 16, 16) / 31 + maxStep / 127) / 2 * 1.002f;
                    assertTrue(Math.abs(x[i] - back[i]) <= bound, type + " element " + i + ": " + x[i] + " -> " + back[i] + " (bound " + bound + ")");
                }
            } else {
                float[] step = new float[8], offset = new float[8];
                float maxStep = 0, maxOffset = 0;
                for (int s = 0; s < 8; s++) {
                    float lo = 0, hi = -Float.MAX_VALUE;
                    for (int l = 0; l < 32; l++) {
                        lo = Math.min(lo, x[o + 32 * s + l]);
                        hi = Math.max(hi, x[o + 32 * s + l]);
                    }
                    step[s] = (hi - lo) / nmax;
                    offset[s] = -lo;
                    maxStep = Math.max(maxStep, step[s]);
                    maxOffset = Math.max(maxOffset, offset[s]);
                }
                for (int i = o; i < o + 256; i++) {
                    int s = (i - o) / 32;
                    float bound = (step[s] + maxStep / 63 + maxOffset / 63) / 2 * 1.002f;
                    assertTrue(Math.abs(x[i] - back[i]) <= bound, type + " element " + i + ": " + x[i] + " -> " + back[i] + " (bound " + bound + ")");
                }
            }
        }
    }

    private static float amax(float[] x, int off, int n) {
        float m = 0;
        for (int i = off; i < off + n; i++) m = Math.max(m, Math.abs(x[i]));
        return m;
    }

    @Test
    void zeroRowsQuantizeToZeros() {
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            float[] back = Tensor.quantize("zeros", type, new float[512], 1, 512).toFloats();
            for (float v : back) assertEquals(0f, v, type.toString());
        }
    }

    /**
     * Q8_K as ggml's quantize_row_q8_K_ref: iscale = −127/max (max = the signed value of largest
     * magnitude), q = round-half-even(iscale·x), d = 1/iscale (a float, negative when max > 0).
     */
    @Test
    void q8kHandBuiltBlocks() {
        float[] x = new float[512];
        // block 0: max = +127/64 -> iscale = -64 exactly, d = -1/64
        x[5] = 127f / 64;
        x[0] = 1f;        // -64
        x[1] = -1f;       //  64
        x[2] = 0.5f;      // -32
        x[3] = -1.5f;     //  96
        x[17] = 3f / 128; // -1.5 -> -2 (half to even)
        x[18] = 1f / 128; // -0.5 -> 0
        x[19] = 5f / 128; // -2.5 -> -2
        x[20] = -5f / 128; // 2.5 -> 2
        // block 1: max = -4 -> iscale = 31.75, d = 1/31.75
        x[256] = -4f;
        x[257] = 2f;    // 63.5 -> 64
        x[258] = 1f;    // 31.75 -> 32
        x[300] = -0.1f; // -3.175 -> -3
        Activations a = new Activations(512).encode(ActivationType.Q8_K, x, 0, 512);
        assertEquals(-1f / 64, a.kScale[0]);
        assertEquals(1f / 31.75f, a.kScale[1]);
        int[] want0 = {-64, 64, -32, 96, 0, -127};
        for (int j = 0; j < want0.length; j++) assertEquals(want0[j], a.q[j], "q" + j);
        assertEquals(-2, a.q[17]);
        assertEquals(0, a.q[18]);
        assertEquals(-2, a.q[19]);
        assertEquals(2, a.q[20]);
        assertEquals(-64 + 64 - 32 + 96 - 127, a.kSum16[0]);
        assertEquals(-2, a.kSum16[1]);
        for (int g = 2; g < 16; g++) assertEquals(0, a.kSum16[g]);
        assertEquals(-127, a.q[256]);
        assertEquals(64, a.q[257]);
        assertEquals(32, a.q[258]);
        assertEquals(-3, a.q[300]);
        assertEquals(-127 + 64 + 32, a.kSum16[16]);
        assertEquals(-3, a.kSum16[16 + 44 / 16]);
        for (int j = 0; j < 512; j++) assertEquals(a.q[j], a.qs[j], "widened quant " + j);
    }

    @Test
    void q8kZeroBlock() {
        float[] x = new float[512];
        x[300] = 1;
        Activations a = new Activations(512);
        a.encode(ActivationType.Q8_K, KernelCheck.gaussian(new Random(1), 512, 1), 0, 512); // dirty the buffers first
        a.encode(ActivationType.Q8_K, x, 0, 512);
        assertEquals(0f, a.kScale[0]);
        for (int j = 0; j < 256; j++) assertEquals(0, a.q[j]);
        for (int g = 0; g < 16; g++) assertEquals(0, a.kSum16[g]);
        assertEquals(-1f / 127, a.kScale[1]);
    }

    @Test
    void q8kRandomBlocksDecodeClose() {
        Random rnd = new Random(5);
        int n = 256 * 6, off = 7;
        float[] x = KernelCheck.gaussian(rnd, n + off, 2);
        Activations a = new Activations(n).encode(ActivationType.Q8_K, x, off, n);
        for (int b = 0; b < n / 256; b++) {
            float amax = amax(x, off + 256 * b, 256);
            assertEquals(amax / 127, Math.abs(a.kScale[b]), amax / 127 * 1e-6f);
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int j = 0; j < 16; j++) {
                    int i = 256 * b + 16 * g + j;
                    sum += a.q[i];
                    assertEquals(x[off + i], a.kScale[b] * a.q[i], amax / 127 * 0.5001f, "element " + i);
                }
                assertEquals(sum, a.kSum16[16 * b + g]);
            }
        }
    }

    /** A K-type tensor whose rows are not whole super-blocks is refused by name, in the GGUF parser and in Tensor. */
    @Test
    void rowLengthNotMultipleOf256IsRefusedByName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.gguf");
        // 640 = 2.5 super-blocks per row
        new GgufWriter().put("general.architecture", "llama")
                .tensor("blk.0.ffn_down.weight", GgmlType.Q4_K, new long[]{640, 2}, new byte[(int) GgmlType.Q4_K.bytesFor(640 * 2)])
                .write(file);
        FormatException e = assertThrows(FormatException.class, () -> GgufFile.open(file));
        assertTrue(e.getMessage().contains("blk.0.ffn_down.weight") && e.getMessage().contains("640") && e.getMessage().contains("256"), e.getMessage());

        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> new Tensor("blk.1.ffn_up.weight", GgmlType.Q6_K, Arena.ofAuto().allocate(210), 1, 320));
        assertTrue(t.getMessage().contains("blk.1.ffn_up.weight") && t.getMessage().contains("256"), t.getMessage());
    }
}
