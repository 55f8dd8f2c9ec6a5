package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.bgl.tensor.F16Kernel.I16;
import static dev.bgl.tensor.Species.Q4_B;
import static dev.bgl.tensor.Species.Q4_F;
import static dev.bgl.tensor.Species.Q4_I;
import static dev.bgl.tensor.Species.Q4_S;
import static dev.bgl.tensor.Species.W4;

/**
 * ggml's Q4_0: blocks of 32 values as one F16 scale and 16 bytes of 4-bit quants (18 bytes).
 * Byte j holds element j in its low nibble and element j+16 in its high nibble; value = d·(q−8).
 */
public final class Q4_0Kernel implements TypeKernel {
    static final Q4_0Kernel INSTANCE = new Q4_0Kernel();
    static final int QK = 32;
    static final int BLOCK_BYTES = 18;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

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
            float d = Float.float16ToFloat(data.get(I16, base));
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
            out.set(I16, base, Float.floatToFloat16(d));
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

    /**
     * Per block: nibbles unpacked to q − 8 in byte lanes, sign-extended to shorts, multiplied with
     * the pre-widened activation quants (low nibbles with elements j, high with j+16; the two
     * products summed stay within 2·8·128), pairs summed into ints, then as {@link Q8_0Kernel#dot}.
     * Half-width vectors on AVX-512: a block's 16 bytes fill one 256-bit short vector per nibble half.
     */
    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] xq = x.qs;
        float[] xs = x.scale;
        int xb = xOff / QK;
        FloatVector acc = FloatVector.zero(Q4_F);
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = (xb + b) * QK;
            IntVector p = IntVector.zero(Q4_I);
            for (int j = 0; j < 16; j += W4) {
                ByteVector w = ByteVector.fromMemorySegment(Q4_B, data, base + 2 + j, LE);
                ShortVector lo = (ShortVector) w.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2S, Q4_S, 0);
                ShortVector hi = (ShortVector) w.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2S, Q4_S, 0);
                IntVector v = lo.mul(ShortVector.fromArray(Q4_S, xq, qo + j)).add(hi.mul(ShortVector.fromArray(Q4_S, xq, qo + 16 + j))).reinterpretAsInts();
                p = p.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float d = Float.float16ToFloat(data.get(I16, base)) * xs[xb + b];
            acc = ((FloatVector) p.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        short[] q0 = x0.qs, q1 = x1.qs, q2 = x2.qs, q3 = x3.qs;
        FloatVector a0 = FloatVector.zero(Q4_F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = b * QK;
            IntVector p0 = IntVector.zero(Q4_I), p1 = p0, p2 = p0, p3 = p0;
            for (int j = 0; j < 16; j += W4) {
                ByteVector w = ByteVector.fromMemorySegment(Q4_B, data, base + 2 + j, LE);
                ShortVector lo = (ShortVector) w.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2S, Q4_S, 0);
                ShortVector hi = (ShortVector) w.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2S, Q4_S, 0);
                int l = qo + j, h = qo + 16 + j;
                IntVector v0 = lo.mul(ShortVector.fromArray(Q4_S, q0, l)).add(hi.mul(ShortVector.fromArray(Q4_S, q0, h))).reinterpretAsInts();
                p0 = p0.add(v0.add(v0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector v1 = lo.mul(ShortVector.fromArray(Q4_S, q1, l)).add(hi.mul(ShortVector.fromArray(Q4_S, q1, h))).reinterpretAsInts();
                p1 = p1.add(v1.add(v1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector v2 = lo.mul(ShortVector.fromArray(Q4_S, q2, l)).add(hi.mul(ShortVector.fromArray(Q4_S, q2, h))).reinterpretAsInts();
                p2 = p2.add(v2.add(v2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector v3 = lo.mul(ShortVector.fromArray(Q4_S, q3, l)).add(hi.mul(ShortVector.fromArray(Q4_S, q3, h))).reinterpretAsInts();
                p3 = p3.add(v3.add(v3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float d = Float.float16ToFloat(data.get(I16, base));
            a0 = ((FloatVector) p0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x0.scale[b]), a0);
            a1 = ((FloatVector) p1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x1.scale[b]), a1);
            a2 = ((FloatVector) p2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x2.scale[b]), a2);
            a3 = ((FloatVector) p3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x3.scale[b]), a3);
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
            int qo = (xb + b) * QK;
            for (int j = 0; j < 16; j++) {
                int v = data.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xff;
                isum += ((v & 0xf) - 8) * x.q[qo + j] + ((v >> 4) - 8) * x.q[qo + j + 16];
            }
            sum += isum * Float.float16ToFloat(data.get(I16, base)) * x.scale[xb + b];
        }
        return sum;
    }
}
