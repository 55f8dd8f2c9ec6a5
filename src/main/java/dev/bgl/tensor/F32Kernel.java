package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.MemorySegment;

/** Plain little-endian float32 rows. */
public final class F32Kernel implements TypeKernel {
    static final F32Kernel INSTANCE = new F32Kernel();

    private F32Kernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        MemorySegment.copy(data, Tensor.F32, byteOffset, out, outOff, n);
    }

    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        MemorySegment.copy(in, inOff, out, Tensor.F32, byteOffset, n);
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.F32;
    }

    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += data.get(Tensor.F32, byteOffset + 4L * i) * x.f[xOff + i];
        return sum;
    }
}
