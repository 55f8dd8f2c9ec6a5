package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;

import static dev.bgl.tensor.F16Kernel.I16;

/**
 * ggml's Q5_1: blocks of 32 values as F16 d, F16 m, 4 bytes qh of fifth bits and 16 bytes of
 * nibbles (24 bytes), laid out as {@link Q5_0Kernel}'s; value = d·q + m, q in 0..31.
 */
final class Q5_1Kernel extends SmallBlockKernel {
    static final Q5_1Kernel INSTANCE = new Q5_1Kernel();

    private Q5_1Kernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    int blockBytes() {
        return 24;
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
        Q5_0Kernel.fiveBitLevels(data, base + 4, base + 8, 0, q);
    }

    /** ggml's quantize_row_q5_1_ref: d = (max − min)/31, m = min, q = (x − min)/d rounded half up. */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            min = Math.min(min, in[o + j]);
            max = Math.max(max, in[o + j]);
        }
        float d = (max - min) / 31, id = d != 0 ? 1 / d : 0;
        out.set(I16, base, Float.floatToFloat16(d));
        out.set(I16, base + 2, Float.floatToFloat16(min));
        int[] levels = new int[QK];
        for (int j = 0; j < QK; j++) levels[j] = Math.min(31, (int) ((in[o + j] - min) * id + 0.5f));
        Q5_0Kernel.packFiveBit(levels, out, base + 4, base + 8);
    }
}
