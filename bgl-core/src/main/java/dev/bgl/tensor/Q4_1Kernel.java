package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bgl.tensor.F16Kernel.I16;

/**
 * ggml's Q4_1: blocks of 32 values as F16 d, F16 m and 16 bytes of nibbles (20 bytes). Byte j
 * holds element j in its low nibble and j+16 in its high one; value = d·q + m, q in 0..15.
 */
final class Q4_1Kernel extends SmallBlockKernel {
    static final Q4_1Kernel INSTANCE = new Q4_1Kernel();

    private static final jdk.incubator.vector.ByteVector TABLE = table(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});

    private Q4_1Kernel() {
    }

    @Override
    jdk.incubator.vector.ByteVector nibbleTable() {
        return TABLE;
    }

    @Override
    int nibblesAt() {
        return 4;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    int blockBytes() {
        return 20;
    }

    @Override
    float scale(MemorySegment data, long base) {
        return Float.float16ToFloat(data.get(I16, base));
    }

    @Override
    float offset(MemorySegment data, long base) {
        return Float.float16ToFloat(data.get(I16, base + 2));
    }

    @Override
    boolean hasOffset() {
        return true;
    }

    @Override
    void levels(MemorySegment data, long base, short[] q) {
        for (int j = 0; j < 16; j++) {
            int v = u8(data, base + 4 + j);
            q[j] = (short) (v & 0xF);
            q[j + 16] = (short) (v >> 4);
        }
    }

    /** ggml's quantize_row_q4_1_ref: d = (max − min)/15, m = min, q = (x − min)/d rounded half up. */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            min = Math.min(min, in[o + j]);
            max = Math.max(max, in[o + j]);
        }
        float d = (max - min) / 15, id = d != 0 ? 1 / d : 0;
        out.set(I16, base, Float.floatToFloat16(d));
        out.set(I16, base + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (byte) ((in[o + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (int) (byte) ((in[o + j + 16] - min) * id + 0.5f));
            out.set(ValueLayout.JAVA_BYTE, base + 4 + j, (byte) (q0 | (q1 << 4)));
        }
    }
}
