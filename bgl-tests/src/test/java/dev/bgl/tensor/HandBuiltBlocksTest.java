package dev.bgl.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Blocks written byte by byte with values worked out by hand (fp16/bf16 bit patterns, nibbles),
 * decoded both by dequantize and through the vector dot product with one-hot activations.
 */
class HandBuiltBlocksTest {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static MemorySegment bytes(int... b) {
        MemorySegment s = Arena.ofAuto().allocate(b.length);
        for (int i = 0; i < b.length; i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) b[i]);
        return s;
    }

    /** Every element of the row, read back through dot(row, e_j) with float activations. */
    private static float[] throughDot(TypeKernel k, MemorySegment row, int n) {
        Activations a = new Activations(n);
        float[] e = new float[n], got = new float[n];
        for (int j = 0; j < n; j++) {
            e[j] = 1;
            a.encode(k.activationType(), e, 0, n);
            got[j] = k.dot(row, 0, a, 0, n);
            e[j] = 0;
        }
        return got;
    }

    /** For Q8_0-activation types: dot(row, 127·e_j) / 127, exact since the activation block quantises to d = 1, q_j = 127. */
    private static float[] throughQ8Dot(TypeKernel k, MemorySegment row, int n) {
        Activations a = new Activations(n);
        float[] e = new float[n], got = new float[n];
        for (int j = 0; j < n; j++) {
            e[j] = 127;
            a.encode(ActivationType.Q8_0, e, 0, n);
            assertEquals(1f, a.scale[j / 32]);
            assertEquals(127, a.q[j]);
            got[j] = k.dot(row, 0, a, 0, n) / 127f;
            e[j] = 0;
        }
        return got;
    }

    @Test
    void f32() {
        // 1.0f = 0x3f800000, -2.5f = 0xc0200000, 0.1f = 0x3dcccccd (little-endian bytes)
        MemorySegment row = bytes(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0xcd, 0xcc, 0xcc, 0x3d);
        float[] want = {1f, -2.5f, 0.1f};
        float[] got = new float[3];
        F32Kernel.INSTANCE.dequantize(row, 0, got, 0, 3);
        assertArrayEquals(want, got);
        assertArrayEquals(want, throughDot(F32Kernel.INSTANCE, row, 3));
    }

    @Test
    void f16() {
        // 0x3c00 = 1, 0xc000 = -2, 0x3555 = 1 + 0x155/1024 scaled by 2^-2, 0x0001 = 2^-24 (subnormal),
        // 0x7bff = 65504 (largest), 0x8000 = -0, 0x0400 = 2^-14 (smallest normal)
        int[] halves = {0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000, 0x0400};
        float[] want = {1f, -2f, (1 + 0x155 / 1024f) / 4, 0x1p-24f, 65504f, -0f, 0x1p-14f};
        MemorySegment row = Arena.ofAuto().allocate(2L * halves.length);
        for (int i = 0; i < halves.length; i++) row.set(LE16, 2L * i, (short) halves[i]);
        float[] got = new float[halves.length];
        F16Kernel.INSTANCE.dequantize(row, 0, got, 0, halves.length);
        assertArrayEquals(want, got);
        float[] viaDot = throughDot(F16Kernel.INSTANCE, row, halves.length);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], viaDot[i], 0f, "element " + i);
    }

    /**
     * Infinities, NaN and subnormals through the vector half→float path: each value alone in a
     * row of one full vector (other halves zero) dotted with all-ones activations gives the value.
     */
    @Test
    void f16SpecialValuesThroughVectorDot() {
        int l = Species.L;
        int[] special = {0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x0001, 0x83ff, 0x3c00, 0xbc01, 0x7bff, 0x0400};
        float[] want = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.NaN, 0x1p-24f,
                -(0x3ff * 0x1p-24f), 1f, -(1 + 1 / 1024f), 65504f, 0x1p-14f};
        float[] ones = new float[l];
        java.util.Arrays.fill(ones, 1f);
        Activations a = new Activations(l).encode(ActivationType.F16, ones, 0, l);
        for (int lane : new int[]{0, l - 1}) {
            for (int v = 0; v < special.length; v++) {
                MemorySegment row = Arena.ofAuto().allocate(2L * l);
                row.set(LE16, 2L * lane, (short) special[v]);
                assertEquals(want[v], F16Kernel.INSTANCE.dot(row, 0, a, 0, l), 0f, "half 0x" + Integer.toHexString(special[v]) + " in lane " + lane);
            }
        }
    }

    @Test
    void bf16() {
        // 0x3f80 = 1, 0xc040 = -3, 0x4049 = 3.140625, 0x0001 = 2^-133 (subnormal)
        MemorySegment row = bytes(0x80, 0x3f, 0x40, 0xc0, 0x49, 0x40, 0x01, 0x00);
        float[] want = {1f, -3f, 3.140625f, 0x1p-133f};
        float[] got = new float[4];
        BF16Kernel.INSTANCE.dequantize(row, 0, got, 0, 4);
        assertArrayEquals(want, got);
        assertArrayEquals(want, throughDot(BF16Kernel.INSTANCE, row, 4));
    }

    @Test
    void q8_0() {
        // scale 0x3800 = 0.5; quants j - 16 except q[0] = 127, q[31] = -128
        int[] b = new int[34];
        b[0] = 0x00;
        b[1] = 0x38;
        float[] want = new float[32];
        for (int j = 0; j < 32; j++) {
            int q = j == 0 ? 127 : j == 31 ? -128 : j - 16;
            b[2 + j] = q;
            want[j] = 0.5f * q;
        }
        MemorySegment row = bytes(b);
        float[] got = new float[32];
        Q8_0Kernel.INSTANCE.dequantize(row, 0, got, 0, 32);
        assertArrayEquals(want, got);
        assertEquals(63.5f, want[0]);
        assertEquals(-64f, want[31]);
        assertArrayEquals(want, throughQ8Dot(Q8_0Kernel.INSTANCE, row, 32));
    }

    /**
     * The largest int8 products the kernels pair-sum in 16-bit lanes, |-128 · ±127| = 16256 each,
     * pairs up to 32512: the vector dot equals the exact sum. Weights -128 (a file may hold them,
     * ggml's quantiser never writes them) against activations that quantise to ±127.
     */
    @Test
    void q8_0ExtremeProductsPairSumExactly() {
        int[] b = new int[34];
        b[1] = 0x3c; // scale 1.0
        for (int j = 0; j < 32; j++) b[2 + j] = -128;
        MemorySegment row = bytes(b);
        for (float sign : new float[]{1f, -1f}) {
            float[] x = new float[32];
            for (int j = 0; j < 32; j++) x[j] = sign * (j % 3 == 0 ? -1f : 1f); // quantises to ±127, scale 1/127
            Activations a = new Activations(32).encode(ActivationType.Q8_0, x, 0, 32);
            int exact = 0;
            for (int j = 0; j < 32; j++) exact += -128 * a.q[j];
            float want = exact * a.scale[0];
            assertEquals(want, Q8_0Kernel.INSTANCE.dot(row, 0, a, 0, 32), Math.abs(want) * 1e-6f);
            assertEquals(want, Q8_0Kernel.INSTANCE.dotReference(row, 0, a, 0, 32), Math.abs(want) * 1e-6f);
        }
    }

    @Test
    void q4_0() {
        // scale 0x4000 = 2; byte j = (hi << 4) | lo with lo = j, hi = 15 - j
        // element j = 2·(j − 8), element j+16 = 2·(15 − j − 8)
        int[] b = new int[18];
        b[1] = 0x40;
        for (int j = 0; j < 16; j++) b[2 + j] = ((15 - j) << 4) | j;
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) {
            want[j] = 2f * (j - 8);
            want[j + 16] = 2f * (7 - j);
        }
        assertEquals(-16f, want[0]);
        assertEquals(14f, want[15]);
        assertEquals(14f, want[16]);
        MemorySegment row = bytes(b);
        float[] got = new float[32];
        Q4_0Kernel.INSTANCE.dequantize(row, 0, got, 0, 32);
        assertArrayEquals(want, got);
        assertArrayEquals(want, throughQ8Dot(Q4_0Kernel.INSTANCE, row, 32));
    }

    /** Two blocks: the second block's scale and quants must be picked from the right place. */
    @Test
    void q4_0SecondBlock() {
        int[] b = new int[36];
        b[1] = 0x3c;          // block 0: d = 1, all bytes 0x88 -> zeros
        for (int j = 0; j < 16; j++) b[2 + j] = 0x88;
        b[19] = 0xbc;         // block 1: d = 0xbc00 = -1, byte 0x0f -> lo 15 -> -7, hi 0 -> 8
        for (int j = 0; j < 16; j++) b[20 + j] = 0x0f;
        float[] got = throughQ8Dot(Q4_0Kernel.INSTANCE, bytes(b), 64);
        for (int j = 0; j < 32; j++) assertEquals(0f, got[j]);
        for (int j = 32; j < 48; j++) assertEquals(-7f, got[j]);
        for (int j = 48; j < 64; j++) assertEquals(8f, got[j]);
    }
}
