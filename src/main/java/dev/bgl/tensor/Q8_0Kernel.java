package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.bgl.tensor.F16Kernel.I16;
import static dev.bgl.tensor.Species.B;
import static dev.bgl.tensor.Species.BL;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.L;
import static dev.bgl.tensor.Species.PARTS;

/** ggml's Q8_0: blocks of 32 int8 quants with one F16 scale (34 bytes). */
public final class Q8_0Kernel implements TypeKernel {
    static final Q8_0Kernel INSTANCE = new Q8_0Kernel();
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Adding and subtracting 1.5·2^23 rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUND_MAGIC = 12582912f;

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
            float d = Float.float16ToFloat(data.get(I16, base));
            for (int j = 0; j < QK; j++) out[outOff + b * QK + j] = d * data.get(ValueLayout.JAVA_BYTE, base + 2 + j);
        }
    }

    /** ggml's quantize_row_q8_0_ref (what llama-quantize writes): scale = max|x| / 127, quants rounded half away from zero. */
    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        for (int b = 0; b < n / QK; b++) {
            int o = inOff + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(in[o + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            long base = byteOffset + (long) b * BLOCK_BYTES;
            out.set(I16, base, Float.floatToFloat16(d));
            for (int j = 0; j < QK; j++) out.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) Math.round(in[o + j] * id));
        }
    }

    /**
     * Encodes activations as ggml's x86 quantize_row_q8_0 does (the path llama.cpp runs here):
     * {@code d = amax/127} stored through F16 (round to nearest even), quants
     * {@code rint(x · (127/amax))} — note 127/amax, not 1/d, and half to even, unlike the
     * reference quantiser above. Needs {@code n} a multiple of 32.
     */
    static void quantizeActivations(float[] x, int off, int n, Activations a) {
        byte[] q = a.q;
        for (int b = 0; b < n / QK; b++) {
            int o = off + b * QK, qo = b * QK;
            FloatVector m = FloatVector.zero(F);
            for (int j = 0; j < QK; j += L) m = m.max(FloatVector.fromArray(F, x, o + j).abs());
            float amax = m.reduceLanes(VectorOperators.MAX);
            float d = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            int sum = 0;
            if (PARTS == 1) {
                for (int j = 0; j < QK; j += L) {
                    FloatVector v = FloatVector.fromArray(F, x, o + j).mul(id).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                    IntVector qi = (IntVector) v.convert(VectorOperators.F2I, 0);
                    qi.convertShape(VectorOperators.I2B, B, 0).reinterpretAsBytes().intoArray(q, qo + j);
                    sum += qi.reduceLanes(VectorOperators.ADD);
                }
            } else { // 4-lane vectors: an int vector narrows to less than the narrowest byte vector
                for (int j = 0; j < QK; j++) {
                    byte v = (byte) (int) Math.rint(x[o + j] * id);
                    q[qo + j] = v;
                    sum += v;
                }
            }
            a.scale[b] = Float.float16ToFloat(Float.floatToFloat16(d));
            a.blockSum[b] = sum;
        }
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.Q8_0;
    }

    /**
     * Per block: int8×int8 products summed exactly in int lanes, then converted and accumulated as
     * floats scaled by d_w·d_x (ggml's AVX2 scheme); one horizontal sum at the end.
     */
    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        byte[] xq = x.q;
        float[] xs = x.scale;
        int xb = xOff / QK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = (xb + b) * QK;
            IntVector p = IntVector.zero(I);
            for (int j = 0; j < QK; j += BL) {
                ByteVector w = ByteVector.fromMemorySegment(B, data, base + 2 + j, LE);
                ByteVector v = ByteVector.fromArray(B, xq, qo + j);
                for (int part = 0; part < PARTS; part++)
                    p = p.add(widen(w, part).mul(widen(v, part)));
            }
            float d = Float.float16ToFloat(data.get(I16, base)) * xs[xb + b];
            acc = toFloats(p).fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        byte[] q0 = x0.q, q1 = x1.q, q2 = x2.q, q3 = x3.q;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = b * QK;
            IntVector p0 = IntVector.zero(I), p1 = p0, p2 = p0, p3 = p0;
            for (int j = 0; j < QK; j += BL) {
                ByteVector w = ByteVector.fromMemorySegment(B, data, base + 2 + j, LE);
                ByteVector v0 = ByteVector.fromArray(B, q0, qo + j), v1 = ByteVector.fromArray(B, q1, qo + j);
                ByteVector v2 = ByteVector.fromArray(B, q2, qo + j), v3 = ByteVector.fromArray(B, q3, qo + j);
                for (int part = 0; part < PARTS; part++) {
                    IntVector wi = widen(w, part);
                    p0 = p0.add(wi.mul(widen(v0, part)));
                    p1 = p1.add(wi.mul(widen(v1, part)));
                    p2 = p2.add(wi.mul(widen(v2, part)));
                    p3 = p3.add(wi.mul(widen(v3, part)));
                }
            }
            float d = Float.float16ToFloat(data.get(I16, base));
            a0 = toFloats(p0).fma(FloatVector.broadcast(F, d * x0.scale[b]), a0);
            a1 = toFloats(p1).fma(FloatVector.broadcast(F, d * x1.scale[b]), a1);
            a2 = toFloats(p2).fma(FloatVector.broadcast(F, d * x2.scale[b]), a2);
            a3 = toFloats(p3).fma(FloatVector.broadcast(F, d * x3.scale[b]), a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Sign-extends part {@code part} of a byte vector into int lanes. */
    static IntVector widen(ByteVector v, int part) {
        return (IntVector) v.convertShape(VectorOperators.B2I, I, part);
    }

    static FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    @Override
    public float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        int xb = xOff / QK;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int isum = 0;
            for (int j = 0; j < QK; j++) isum += data.get(ValueLayout.JAVA_BYTE, base + 2 + j) * x.q[(xb + b) * QK + j];
            sum += isum * Float.float16ToFloat(data.get(I16, base)) * x.scale[xb + b];
        }
        return sum;
    }
}
