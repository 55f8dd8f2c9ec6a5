package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.L;
import static dev.bgl.tensor.Species.S_HALF;

/** IEEE half-precision rows; multiplied with activations rounded to F16, as ggml does. */
public final class F16Kernel implements TypeKernel {
    static final F16Kernel INSTANCE = new F16Kernel();
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

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
        float[] xf = x.f;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            // half -> float on the bits (the Vector API has no such conversion): exponent and
            // mantissa shifted into float position and scaled by 2^112 re-biases the exponent (exact
            // for subnormal halves too); infinities and NaNs get the all-ones float exponent
            // instead; the sign is or-ed back in. Written out here, not in a helper: a vector
            // returned from a method the JIT does not inline is boxed, which is 100x slower.
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S_HALF, data, byteOffset + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7fff), shifted = em.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(shifted.or(0x7f800000), em.compare(VectorOperators.GE, 0x7c00));
            FloatVector w = bits.or(h.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, xf, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += Float.float16ToFloat(data.get(I16, byteOffset + 2L * i)) * xf[xOff + i];
        return sum;
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        float[] a = x0.f, b = x1.f, c = x2.f, d = x3.f;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= n - L; i += L) {
            // half -> float as in dot
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S_HALF, data, byteOffset + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7fff), shifted = em.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(shifted.or(0x7f800000), em.compare(VectorOperators.GE, 0x7c00));
            FloatVector w = bits.or(h.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretAsFloats();
            s0 = w.fma(FloatVector.fromArray(F, a, i), s0);
            s1 = w.fma(FloatVector.fromArray(F, b, i), s1);
            s2 = w.fma(FloatVector.fromArray(F, c, i), s2);
            s3 = w.fma(FloatVector.fromArray(F, d, i), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float w = Float.float16ToFloat(data.get(I16, byteOffset + 2L * i));
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
        for (int i = 0; i < n; i++) sum += Float.float16ToFloat(data.get(I16, byteOffset + 2L * i)) * x.f[xOff + i];
        return sum;
    }
}
