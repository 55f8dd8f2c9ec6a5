package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bgl.tensor.F16Kernel.I16;
import static dev.bgl.tensor.KQuants.QK_K;

/**
 * ggml's Q3_K: super-blocks of 256 values in 110 bytes — 32 bytes hmask, 64 bytes of 2-bit low
 * parts ({@link SuperBlockKernel#twoBits}), 12 bytes of sixteen 6-bit scales, F16 d. Element i's
 * third bit is bit 4·(i/128) + (i%128)/32 of hmask[i%32], and a clear bit subtracts 4: levels run
 * −4..3. Scale s (stored biased by 32) has its low 4 bits in byte s%8 (nibble s/8) and its high 2
 * bits in byte 8 + s%4 (bits 2·(s/4)); value = d·(scale − 32)·q.
 */
final class Q3_KKernel extends SuperBlockKernel {
    static final Q3_KKernel INSTANCE = new Q3_KKernel();

    private Q3_KKernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    int blockBytes() {
        return 110;
    }

    @Override
    float d(MemorySegment data, long base) {
        return Float.float16ToFloat(data.get(I16, base + 108));
    }

    @Override
    void decode(MemorySegment data, long base, short[] q, int[] sc, int[] mn) {
        for (int s = 0; s < 16; s++) {
            int low = (KQuants.u8(data, base + 96 + s % 8) >> (4 * (s / 8))) & 0xF;
            int high = (KQuants.u8(data, base + 96 + 8 + s % 4) >> (2 * (s / 4))) & 3;
            sc[s] = (low | high << 4) - 32;
            mn[s] = 0;
        }
        twoBitLevels(data, base + 32, q);
        for (int t = 0; t < 32; t++) {
            int h = KQuants.u8(data, base + t);
            for (int k = 0; k < 8; k++) // bit k: element 128·(k/4) + 32·(k%4) + t; a clear bit takes 4 off (branch-free: the bits are random)
                q[128 * (k / 4) + 32 * (k % 4) + t] -= (short) (4 * (~h >> k & 1));
        }
    }

    /**
     * Our own simple quantiser in ggml's shape: per sub-block of 16, step = (value of largest
     * magnitude)/−4; the steps quantised to signed 6 bits against d = (step of largest magnitude)/−32;
     * values then re-quantised to −4..3 against the stored d·scale.
     */
    @Override
    void quantizeBlock(float[] in, int o, MemorySegment out, long base) {
        float[] step = new float[16];
        float big = 0;
        for (int s = 0; s < 16; s++) {
            float amax = 0, max = 0;
            for (int l = 0; l < 16; l++)
                if (Math.abs(in[o + 16 * s + l]) > amax) {
                    amax = Math.abs(in[o + 16 * s + l]);
                    max = in[o + 16 * s + l];
                }
            step[s] = max / -4;
            if (Math.abs(step[s]) > Math.abs(big)) big = step[s];
        }
        out.set(I16, base + 108, Float.floatToFloat16(big / -32));
        float d = d(out, base);
        byte[] scales = new byte[12], hmask = new byte[32];
        int[] low = new int[QK_K];
        for (int s = 0; s < 16; s++) {
            int sc = d != 0 ? Math.clamp(Math.round(step[s] / d), -32, 31) : 0;
            int v = sc + 32;
            scales[s % 8] |= (byte) ((v & 0xF) << (4 * (s / 8)));
            scales[8 + s % 4] |= (byte) ((v >> 4) << (2 * (s / 4)));
            float dl = d * sc;
            for (int l = 0; l < 16; l++) {
                int i = 16 * s + l;
                int q = (dl == 0 ? 0 : Math.clamp(Math.round(in[o + i] / dl), -4, 3)) + 4;
                low[i] = q & 3;
                int r = i % 128;
                if (q >= 4) hmask[r % 32] |= (byte) (1 << (4 * (i / 128) + r / 32));
            }
        }
        for (int j = 0; j < 32; j++) out.set(ValueLayout.JAVA_BYTE, base + j, hmask[j]);
        packTwoBits(low, out, base + 32);
        for (int j = 0; j < 12; j++) out.set(ValueLayout.JAVA_BYTE, base + 96 + j, scales[j]);
    }
}
