package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bgl.tensor.F16Kernel.I16;

/**
 * ggml's IQ4_XS: super-blocks of 256 values in 136 bytes — F16 d, 2 bytes scales_h, 4 bytes
 * scales_l, 128 bytes of 4-bit indices into {@link IQ4_NLKernel#VALUES}, 16 per sub-block of 32
 * laid out as IQ4_NL's. Sub-block b's 6-bit scale has its low 4 bits in nibble b%2 of
 * scales_l[b/2] and its high 2 bits at bit 2b of scales_h; value = d·(scale − 32)·VALUES[index].
 */
final class IQ4_XSKernel extends SuperBlockKernel {
    static final IQ4_XSKernel INSTANCE = new IQ4_XSKernel();

    private IQ4_XSKernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_XS;
    }

    @Override
    int blockBytes() {
        return 136;
    }

    @Override
    float d(MemorySegment data, long base) {
        return Float.float16ToFloat(data.get(I16, base));
    }

    @Override
    void decode(MemorySegment data, long base, short[] q, int[] sc, int[] mn) {
        int scalesH = data.get(I16, base + 2) & 0xFFFF;
        for (int b = 0; b < 8; b++) {
            int ls = ((KQuants.u8(data, base + 4 + b / 2) >> (4 * (b % 2))) & 0xF) | ((scalesH >> (2 * b)) & 3) << 4;
            sc[2 * b] = sc[2 * b + 1] = ls - 32;
            mn[2 * b] = mn[2 * b + 1] = 0;
            IQ4_NLKernel.tableLevels(data, base + 8 + 16 * b, IQ4_NLKernel.VALUES, q, 32 * b);
        }
    }

    /**
     * Our own simple quantiser: per sub-block of 32, step = (value of largest magnitude)/−127 (the
     * table's first entry); steps quantised to signed 6 bits against d = (step of largest
     * magnitude)/−32; each value then takes the table entry nearest to it over the stored d·scale.
     */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float[] step = new float[8];
        float big = 0;
        for (int b = 0; b < 8; b++) {
            float amax = 0, max = 0;
            for (int l = 0; l < 32; l++)
                if (Math.abs(in[o + 32 * b + l]) > amax) {
                    amax = Math.abs(in[o + 32 * b + l]);
                    max = in[o + 32 * b + l];
                }
            step[b] = max / IQ4_NLKernel.VALUES[0];
            if (Math.abs(step[b]) > Math.abs(big)) big = step[b];
        }
        out.set(I16, base, Float.floatToFloat16(big / -32));
        float d = d(out, base);
        int scalesH = 0;
        byte[] scalesL = new byte[4];
        for (int b = 0; b < 8; b++) {
            int ls = d != 0 ? Math.clamp(Math.round(step[b] / d), -32, 31) : 0;
            int v = ls + 32;
            scalesL[b / 2] |= (byte) ((v & 0xF) << (4 * (b % 2)));
            scalesH |= (v >> 4) << (2 * b);
            IQ4_NLKernel.packNearest(in, o + 32 * b, d * ls, IQ4_NLKernel.VALUES, out, base + 8 + 16 * b);
        }
        out.set(I16, base + 2, (short) scalesH);
        for (int j = 0; j < 4; j++) out.set(ValueLayout.JAVA_BYTE, base + 4 + j, scalesL[j]);
    }
}
