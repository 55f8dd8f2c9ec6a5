package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * OCP MXFP4 as ggml stores it (gpt-oss's expert weights): blocks of 32 values as one E8M0
 * exponent byte e and 16 bytes of FP4 E2M1 codes, nibbles laid out as Q4_0's (17 bytes). ggml
 * keeps the E2M1 values doubled as integers ({@link #VALUES}) and halves the scale instead:
 * value = 2^(e−128)·VALUES[code].
 */
final class MXFP4Kernel extends SmallBlockKernel {
    static final MXFP4Kernel INSTANCE = new MXFP4Kernel();
    /** E2M1 codes 0..15 (sign bit 3) times 2: ggml's kvalues_mxfp4. */
    static final int[] VALUES = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    private static final jdk.incubator.vector.ByteVector TABLE = table(VALUES);

    private MXFP4Kernel() {
    }

    @Override
    jdk.incubator.vector.ByteVector nibbleTable() {
        return TABLE;
    }

    @Override
    int nibblesAt() {
        return 1;
    }

    @Override
    public GgmlType type() {
        return GgmlType.MXFP4;
    }

    @Override
    int blockBytes() {
        return 17;
    }

    /** 2^(e−128) as ggml's GGML_E8M0_TO_FP32_HALF: e of 0 and 1 give the subnormals 2^−128, 2^−127. */
    static float halfScale(int e) {
        return Float.intBitsToFloat(e < 2 ? 0x00200000 << e : (e - 1) << 23);
    }

    @Override
    float scale(MemorySegment data, long base) {
        return halfScale(u8(data, base));
    }

    @Override
    boolean hasOffset() {
        return false;
    }

    @Override
    void levels(MemorySegment data, long base, short[] q) {
        IQ4_NLKernel.tableLevels(data, base + 1, VALUES, q, 0);
    }

    /**
     * ggml's quantize_row_mxfp4_ref: e = floor(log2(max |x|)) − 2 + 127 (so the largest value lands
     * near the top code, 12 = 2·6), 0 for an all-zero block; each value takes the nearest code.
     */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(in[o + j]));
        int e = amax > 0 ? Math.clamp(Math.getExponent(amax) - 2 + 127, 0, 254) : 0;
        out.set(ValueLayout.JAVA_BYTE, base, (byte) e);
        IQ4_NLKernel.packNearest(in, o, halfScale(e), VALUES, out, base + 1);
    }
}
