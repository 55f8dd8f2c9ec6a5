package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.bgl.tensor.F16Kernel.I16;

/**
 * ggml's Q5_0: blocks of 32 values as F16 d, 4 bytes qh of fifth bits (little-endian, bit j for
 * element j) and 16 bytes of nibbles laid out as Q4_0's (22 bytes); value = d·(q − 16).
 */
final class Q5_0Kernel extends SmallBlockKernel {
    static final Q5_0Kernel INSTANCE = new Q5_0Kernel();
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q5_0Kernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    int blockBytes() {
        return 22;
    }

    @Override
    float scale(MemorySegment data, long base) {
        return Float.float16ToFloat(data.get(I16, base));
    }

    @Override
    boolean hasOffset() {
        return false;
    }

    @Override
    void levels(MemorySegment data, long base, short[] q) {
        fiveBitLevels(data, base + 2, base + 6, -16, q);
    }

    /** Levels of a Q5_0/Q5_1 block: nibbles at {@code qsAt}, fifth bits at {@code qhAt}, plus {@code bias}. */
    static void fiveBitLevels(MemorySegment data, long qhAt, long qsAt, int bias, short[] q) {
        int qh = data.get(I32, qhAt);
        for (int j = 0; j < 16; j++) {
            int v = u8(data, qsAt + j);
            q[j] = (short) (((v & 0xF) | ((qh >>> j) & 1) << 4) + bias);
            q[j + 16] = (short) (((v >> 4) | ((qh >>> (j + 16)) & 1) << 4) + bias);
        }
    }

    /** Packs levels 0..31 as nibbles at {@code qsAt} and fifth bits at {@code qhAt}. */
    static void packFiveBit(int[] levels, MemorySegment out, long qhAt, long qsAt) {
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int l0 = levels[j], l1 = levels[j + 16];
            out.set(ValueLayout.JAVA_BYTE, qsAt + j, (byte) ((l0 & 0xF) | ((l1 & 0xF) << 4)));
            qh |= ((l0 >> 4) & 1) << j | ((l1 >> 4) & 1) << (j + 16);
        }
        out.set(I32, qhAt, qh);
    }

    /** ggml's quantize_row_q5_0_ref: d = (value of largest magnitude)/−16, q = x/d + 16.5 truncated, at most 31. */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK; j++)
            if (Math.abs(in[o + j]) > amax) {
                amax = Math.abs(in[o + j]);
                max = in[o + j];
            }
        float d = max / -16, id = d != 0 ? 1 / d : 0;
        out.set(I16, base, Float.floatToFloat16(d));
        int[] levels = new int[QK];
        for (int j = 0; j < QK; j++) levels[j] = Math.min(31, (int) (byte) (in[o + j] * id + 16.5f));
        packFiveBit(levels, out, base + 2, base + 6);
    }
}
