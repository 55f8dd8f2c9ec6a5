package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.L;
import static dev.bgl.tensor.Species.S_HALF;

/** bfloat16 rows (the top half of a float32). */
public final class BF16Kernel implements TypeKernel {
    static final BF16Kernel INSTANCE = new BF16Kernel();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

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
        float[] xf = x.f;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            // each bfloat16 goes to the high half of an int lane (written out: see F16Kernel.dot)
            FloatVector w = ((IntVector) ShortVector.fromMemorySegment(S_HALF, data, byteOffset + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, xf, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += toFloat(data.get(F16Kernel.I16, byteOffset + 2L * i)) * xf[xOff + i];
        return sum;
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        float[] a = x0.f, b = x1.f, c = x2.f, d = x3.f;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector w = ((IntVector) ShortVector.fromMemorySegment(S_HALF, data, byteOffset + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            s0 = w.fma(FloatVector.fromArray(F, a, i), s0);
            s1 = w.fma(FloatVector.fromArray(F, b, i), s1);
            s2 = w.fma(FloatVector.fromArray(F, c, i), s2);
            s3 = w.fma(FloatVector.fromArray(F, d, i), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float w = toFloat(data.get(F16Kernel.I16, byteOffset + 2L * i));
            r0 += w * a[i];
            r1 += w * b[i];
            r2 += w * c[i];
            r3 += w * d[i];
        }
        out[outOff] = r0;
        out[outOff + outStride] = r1;
        out[outOff + 2 * outStride] = r2;
        out[outOff + 3 * outStride] = r3;
    }

    @Override
    public float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += toFloat(data.get(F16Kernel.I16, byteOffset + 2L * i)) * x.f[xOff + i];
        return sum;
    }
}
