package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bgl.tensor.F16Kernel.I16;

/**
 * ggml's IQ4_NL: blocks of 32 values as F16 d and 16 bytes of 4-bit indices (18 bytes), nibbles
 * laid out as Q4_0's, into the fixed non-linear table {@link #VALUES} (ggml's kvalues_iq4nl):
 * value = d·VALUES[index].
 */
final class IQ4_NLKernel extends SmallBlockKernel {
    static final IQ4_NLKernel INSTANCE = new IQ4_NLKernel();
    /** ggml's kvalues_iq4nl: denser near zero, where most weights are. */
    static final int[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static final jdk.incubator.vector.ByteVector TABLE = table(VALUES);

    private IQ4_NLKernel() {
    }

    @Override
    jdk.incubator.vector.ByteVector nibbleTable() {
        return TABLE;
    }

    @Override
    int nibblesAt() {
        return 2;
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    int blockBytes() {
        return 18;
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
        tableLevels(data, base + 2, VALUES, q, 0);
    }

    /** 32 levels from 16 bytes of table indices at {@code at} (element j low nibble, j+16 high) into {@code q[o..o+32)}. */
    static void tableLevels(MemorySegment data, long at, int[] table, short[] q, int o) {
        for (int j = 0; j < 16; j++) {
            int v = u8(data, at + j);
            q[o + j] = (short) table[v & 0xF];
            q[o + j + 16] = (short) table[v >> 4];
        }
    }

    /** Writes the indices of the table entries nearest to {@code in[o+j]/d} as 16 bytes at {@code at}. */
    static void packNearest(float[] in, int o, float d, int[] table, MemorySegment out, long at) {
        float id = d != 0 ? 1 / d : 0;
        for (int j = 0; j < 16; j++) {
            int i0 = nearest(table, in[o + j] * id), i1 = nearest(table, in[o + j + 16] * id);
            out.set(ValueLayout.JAVA_BYTE, at + j, (byte) (i0 | (i1 << 4)));
        }
    }

    /**
     * A simple quantiser (not ggml's search over scales): d maps the value of largest magnitude
     * onto the table's first entry (−127), then each value takes the nearest entry.
     * Files only need to be valid and close; the decoder is what must match ggml exactly.
     */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK; j++)
            if (Math.abs(in[o + j]) > amax) {
                amax = Math.abs(in[o + j]);
                max = in[o + j];
            }
        out.set(I16, base, Float.floatToFloat16(max / VALUES[0]));
        packNearest(in, o, Float.float16ToFloat(out.get(I16, base)), VALUES, out, base + 2);
    }
}
