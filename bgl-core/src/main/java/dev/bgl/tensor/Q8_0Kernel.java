package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.bgl.tensor.F16Kernel.I16;
import static dev.bgl.tensor.Species.B_S;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.L;
import static dev.bgl.tensor.Species.S;
import static dev.bgl.tensor.Species.SL;
import static dev.bgl.tensor.Species.S_HALF;

/** ggml's Q8_0: blocks of 32 int8 quants with one F16 scale (34 bytes). */
public final class Q8_0Kernel implements TypeKernel {
    static final Q8_0Kernel INSTANCE = new Q8_0Kernel();
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Adding and subtracting 1.5·2^23 rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUND_MAGIC = 12582912f;
    /** Bytes with one lane per float lane, for storing quants; none for 4-lane vectors (no 32-bit byte shape). */
    private static final VectorSpecies<Byte> B_L = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

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
            int o = outOff + b * QK;
            if (B_L != null) { // L bytes widened to L floats at a time
                FloatVector vd = FloatVector.broadcast(F, d);
                for (int j = 0; j < QK; j += L)
                    ((FloatVector) ByteVector.fromMemorySegment(B_L, data, base + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0))
                            .mul(vd).intoArray(out, o + j);
            } else {
                for (int j = 0; j < QK; j++) out[o + j] = d * data.get(ValueLayout.JAVA_BYTE, base + 2 + j);
            }
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
        short[] qs = a.qs;
        for (int b = 0; b < n / QK; b++) {
            int o = off + b * QK, qo = b * QK;
            FloatVector m = FloatVector.zero(F);
            for (int j = 0; j < QK; j += L) m = m.max(FloatVector.fromArray(F, x, o + j).abs());
            float amax = m.reduceLanes(VectorOperators.MAX);
            float d = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            int sum = 0;
            if (B_L != null) {
                for (int j = 0; j < QK; j += L) {
                    FloatVector v = FloatVector.fromArray(F, x, o + j).mul(id).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                    IntVector qi = (IntVector) v.convert(VectorOperators.F2I, 0);
                    qi.convertShape(VectorOperators.I2B, B_L, 0).reinterpretAsBytes().intoArray(q, qo + j);
                    qi.convertShape(VectorOperators.I2S, S_HALF, 0).reinterpretAsShorts().intoArray(qs, qo + j);
                    sum += qi.reduceLanes(VectorOperators.ADD);
                }
            } else { // 4-lane vectors: no byte vector is that short
                for (int j = 0; j < QK; j++) {
                    byte v = (byte) (int) Math.rint(x[o + j] * id);
                    q[qo + j] = v;
                    qs[qo + j] = v;
                    sum += v;
                }
            }
            a.scale[b] = Float.float16ToFloat(Float.floatToFloat16(d));
            a.blockSum[b] = sum;
            a.q8_1Sum[b] = Float.float16ToFloat(Float.floatToFloat16(d * sum)); // from d before its F16 rounding, as ggml's quantize_row_q8_1
        }
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.Q8_0;
    }

    /**
     * Per block: weight bytes sign-extended to 16-bit lanes and multiplied with the activation
     * quants (pre-widened in {@link Activations#qs}; |product| ≤ 2^14 fits), adjacent products
     * summed into int lanes ((v + (v << 16)) >> 16, see {@link Species}), converted
     * and accumulated as floats scaled by d_w·d_x (ggml's AVX2 scheme); one horizontal sum at the
     * end. No helper methods in these loops: a vector passed to or returned from a method the JIT
     * does not inline is boxed, which is 100x slower.
     */
    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] xq = x.qs;
        float[] xs = x.scale;
        int xb = xOff / QK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = (xb + b) * QK;
            IntVector p = IntVector.zero(I);
            for (int j = 0; j < QK; j += SL) {
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_S, data, base + 2 + j, LE).convertShape(VectorOperators.B2S, S, 0);
                IntVector v = w.mul(ShortVector.fromArray(S, xq, qo + j)).reinterpretAsInts();
                p = p.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float d = Float.float16ToFloat(data.get(I16, base)) * xs[xb + b];
            acc = ((FloatVector) p.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        short[] q0 = x0.qs, q1 = x1.qs, q2 = x2.qs, q3 = x3.qs;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = b * QK;
            IntVector p0 = IntVector.zero(I), p1 = p0, p2 = p0, p3 = p0;
            for (int j = 0; j < QK; j += SL) {
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_S, data, base + 2 + j, LE).convertShape(VectorOperators.B2S, S, 0);
                IntVector v0 = w.mul(ShortVector.fromArray(S, q0, qo + j)).reinterpretAsInts();
                IntVector v1 = w.mul(ShortVector.fromArray(S, q1, qo + j)).reinterpretAsInts();
                IntVector v2 = w.mul(ShortVector.fromArray(S, q2, qo + j)).reinterpretAsInts();
                IntVector v3 = w.mul(ShortVector.fromArray(S, q3, qo + j)).reinterpretAsInts();
                p0 = p0.add(v0.add(v0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                p1 = p1.add(v1.add(v1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                p2 = p2.add(v2.add(v2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                p3 = p3.add(v3.add(v3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float d = Float.float16ToFloat(data.get(I16, base));
            a0 = ((FloatVector) p0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x0.scale[b]), a0);
            a1 = ((FloatVector) p1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x1.scale[b]), a1);
            a2 = ((FloatVector) p2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x2.scale[b]), a2);
            a3 = ((FloatVector) p3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x3.scale[b]), a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD);
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
