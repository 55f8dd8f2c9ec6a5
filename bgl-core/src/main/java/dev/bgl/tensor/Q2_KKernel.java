package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bgl.tensor.F16Kernel.I16;
import static dev.bgl.tensor.KQuants.QK_K;

/**
 * ggml's Q2_K: super-blocks of 256 values in 84 bytes — 16 bytes of sub-block scale (low nibble)
 * and min (high nibble), 64 bytes of 2-bit levels ({@link SuperBlockKernel#twoBits}), then F16 d
 * and F16 dmin; value = d·scale·q − dmin·min, q in 0..3.
 */
final class Q2_KKernel extends SuperBlockKernel {
    static final Q2_KKernel INSTANCE = new Q2_KKernel();

    private Q2_KKernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    int blockBytes() {
        return 84;
    }

    @Override
    float d(MemorySegment data, long base) {
        return Float.float16ToFloat(data.get(I16, base + 80));
    }

    @Override
    float dmin(MemorySegment data, long base) {
        return Float.float16ToFloat(data.get(I16, base + 82));
    }

    @Override
    void decode(MemorySegment data, long base, short[] q, int[] sc, int[] mn) {
        for (int s = 0; s < 16; s++) {
            int v = KQuants.u8(data, base + s);
            sc[s] = v & 0xF;
            mn[s] = v >> 4;
        }
        twoBitLevels(data, base + 16, q);
    }

    /**
     * Our own simple quantiser in ggml's shape: per sub-block of 16, step (max − min)/3 and offset
     * −min (min taken ≤ 0), both quantised to 4 bits against d = max step/15 (steps rounded up so
     * the levels cover the range) and dmin = max offset/15; values then re-quantised against the
     * stored scales.
     */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float[] step = new float[16], offset = new float[16];
        float maxStep = 0, maxOffset = 0;
        for (int s = 0; s < 16; s++) {
            float lo = 0, hi = -Float.MAX_VALUE;
            for (int l = 0; l < 16; l++) {
                lo = Math.min(lo, in[o + 16 * s + l]);
                hi = Math.max(hi, in[o + 16 * s + l]);
            }
            step[s] = Math.max(0, hi - lo) / 3;
            offset[s] = -lo;
            maxStep = Math.max(maxStep, step[s]);
            maxOffset = Math.max(maxOffset, offset[s]);
        }
        out.set(I16, base + 80, Float.floatToFloat16(maxStep / 15));
        out.set(I16, base + 82, Float.floatToFloat16(maxOffset / 15));
        float d = d(out, base), dmin = dmin(out, base);
        int[] levels = new int[QK_K];
        for (int s = 0; s < 16; s++) {
            int sc = d > 0 ? Math.min(15, (int) Math.ceil(step[s] / d)) : 0;
            int mn = dmin > 0 ? Math.min(15, Math.round(offset[s] / dmin)) : 0;
            out.set(ValueLayout.JAVA_BYTE, base + s, (byte) (sc | (mn << 4)));
            float dl = d * sc, ml = dmin * mn;
            for (int l = 0; l < 16; l++)
                levels[16 * s + l] = dl == 0 ? 0 : Math.clamp(Math.round((in[o + 16 * s + l] + ml) / dl), 0, 3);
        }
        packTwoBits(levels, out, base + 16);
    }
}
