package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's Q4_0: blocks of 32 values as one F16 scale and 16 bytes of 4-bit quants (18 bytes).
 * Byte j holds element j in its low nibble and element j+16 in its high nibble; value = d·(q−8).
 */
public final class Q4_0Kernel implements TypeKernel {
    static final Q4_0Kernel INSTANCE = new Q4_0Kernel();
    static final int QK = 32;
    static final int BLOCK_BYTES = 18;

    private Q4_0Kernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(F16Kernel.I16, base));
            int o = outOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int v = data.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xff;
                out[o + j] = d * ((v & 0xf) - 8);
                out[o + j + 16] = d * ((v >> 4) - 8);
            }
        }
    }

    /** ggml's quantize_row_q4_0_ref: d = (value of largest magnitude) / −8. */
    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        for (int b = 0; b < n / QK; b++) {
            int o = inOff + b * QK;
            float amax = 0, max = 0;
            for (int j = 0; j < QK; j++) {
                float v = in[o + j];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            long base = byteOffset + (long) b * BLOCK_BYTES;
            out.set(F16Kernel.I16, base, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(15, (int) (byte) (in[o + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (byte) (in[o + j + 16] * id + 8.5f));
                out.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.Q8_0;
    }

    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        int xb = xOff / QK;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int isum = 0;
            int qo = (xb + b) * QK;
            for (int j = 0; j < 16; j++) {
                int v = data.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xff;
                isum += ((v & 0xf) - 8) * x.q[qo + j] + ((v >> 4) - 8) * x.q[qo + j + 16];
            }
            sum += isum * Float.float16ToFloat(data.get(F16Kernel.I16, base)) * x.scale[xb + b];
        }
        return sum;
    }
}
