package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** IEEE half-precision rows; multiplied with activations rounded to F16, as ggml does. */
public final class F16Kernel implements TypeKernel {
    static final F16Kernel INSTANCE = new F16Kernel();
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private F16Kernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] = Float.float16ToFloat(data.get(I16, byteOffset + 2L * i));
    }

    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        for (int i = 0; i < n; i++) out.set(I16, byteOffset + 2L * i, Float.floatToFloat16(in[inOff + i]));
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.F16;
    }

    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += Float.float16ToFloat(data.get(I16, byteOffset + 2L * i)) * x.f[xOff + i];
        return sum;
    }
}
