package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** ggml's Q8_0: blocks of 32 int8 quants with one F16 scale (34 bytes). */
public final class Q8_0Kernel implements TypeKernel {
    static final Q8_0Kernel INSTANCE = new Q8_0Kernel();
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;

    private Q8_0Kernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(F16Kernel.I16, base));
            for (int j = 0; j < QK; j++) out[outOff + b * QK + j] = d * data.get(ValueLayout.JAVA_BYTE, base + 2 + j);
        }
    }

    /** ggml's quantize_row_q8_0_ref: scale = max|x| / 127, quants rounded to nearest. */
    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        for (int b = 0; b < n / QK; b++) {
            int o = inOff + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(in[o + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            long base = byteOffset + (long) b * BLOCK_BYTES;
            out.set(F16Kernel.I16, base, Float.floatToFloat16(d));
            for (int j = 0; j < QK; j++) out.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) Math.round(in[o + j] * id));
        }
    }

    /**
     * Encodes activations as ggml's x86 {@code quantize_row_q8_0} does (not its reference
     * version): inverse scale 127/amax and round-half-to-even. Matching it exactly matters, since a
     * quant that rounds the other way moves a logit by a whole quantisation step.
     */
    static void quantizeActivations(float[] x, int off, int n, Activations a) {
        for (int b = 0; b < n / QK; b++) {
            int o = off + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[o + j]));
            float d = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            int sum = 0;
            for (int j = 0; j < QK; j++) {
                byte q = (byte) Math.rint(x[o + j] * id);
                a.q[b * QK + j] = q;
                sum += q;
            }
            a.scale[b] = Float.float16ToFloat(Float.floatToFloat16(d));
            a.blockSum[b] = sum;
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
            for (int j = 0; j < QK; j++) isum += data.get(ValueLayout.JAVA_BYTE, base + 2 + j) * x.q[(xb + b) * QK + j];
            sum += isum * Float.float16ToFloat(data.get(F16Kernel.I16, base)) * x.scale[xb + b];
        }
        return sum;
    }
}
