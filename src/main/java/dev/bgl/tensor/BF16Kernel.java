package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;

/** bfloat16 rows (the top half of a float32). */
public final class BF16Kernel implements TypeKernel {
    static final BF16Kernel INSTANCE = new BF16Kernel();

    private BF16Kernel() {
    }

    static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round to nearest even, as ggml's GGML_FP32_TO_BF16; NaN stays NaN. */
    static short fromFloat(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] = toFloat(data.get(F16Kernel.I16, byteOffset + 2L * i));
    }

    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        for (int i = 0; i < n; i++) out.set(F16Kernel.I16, byteOffset + 2L * i, fromFloat(in[inOff + i]));
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.BF16;
    }

    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += toFloat(data.get(F16Kernel.I16, byteOffset + 2L * i)) * x.f[xOff + i];
        return sum;
    }
}
