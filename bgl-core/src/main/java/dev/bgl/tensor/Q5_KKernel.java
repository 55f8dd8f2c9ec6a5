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
import static dev.bgl.tensor.KQuants.QK_K;
import static dev.bgl.tensor.Species.B_S;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.S;
import static dev.bgl.tensor.Species.SL;

/**
 * ggml's Q5_K: super-blocks of 256 values in 176 bytes — F16 d, F16 dmin, 12 bytes of 6-bit
 * scales and mins as {@link Q4_KKernel}, 32 bytes qh of fifth bits, 128 bytes of nibbles laid
 * out as Q4_K's. Element 64g+l takes bit 2g of qh[l] as its fifth bit, element 64g+32+l bit
 * 2g+1; value = d·scale·q − dmin·min with q in 0..31.
 */
public final class Q5_KKernel implements TypeKernel {
    static final Q5_KKernel INSTANCE = new Q5_KKernel();
    static final int BLOCK_BYTES = 176;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Q5_KKernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, base)), dmin = Float.float16ToFloat(data.get(I16, base + 2));
            int o = outOff + b * QK_K;
            for (int g = 0; g < 4; g++) {
                float d1 = d * KQuants.scale(data, base + 4, 2 * g), m1 = dmin * KQuants.min(data, base + 4, 2 * g);
                float d2 = d * KQuants.scale(data, base + 4, 2 * g + 1), m2 = dmin * KQuants.min(data, base + 4, 2 * g + 1);
                for (int l = 0; l < 32; l++) {
                    int v = KQuants.u8(data, base + 48 + 32 * g + l), h = KQuants.u8(data, base + 16 + l);
                    out[o + 64 * g + l] = d1 * ((v & 0xF) | (((h >> (2 * g)) & 1) << 4)) - m1;
                    out[o + 64 * g + 32 + l] = d2 * ((v >> 4) | (((h >> (2 * g + 1)) & 1) << 4)) - m2;
                }
            }
        }
    }

    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        int[] levels = new int[QK_K];
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            KQuants.quantizeScaleMinBlock(in, inOff + b * QK_K, 31, levels, out, base);
            for (int l = 0; l < 32; l++) {
                int h = 0;
                for (int g = 0; g < 4; g++) {
                    int lo = levels[64 * g + l], hi = levels[64 * g + 32 + l];
                    out.set(ValueLayout.JAVA_BYTE, base + 48 + 32 * g + l, (byte) ((lo & 0xF) | ((hi & 0xF) << 4)));
                    h |= (lo >> 4) << (2 * g) | (hi >> 4) << (2 * g + 1);
                }
                out.set(ValueLayout.JAVA_BYTE, base + 16 + l, (byte) h);
            }
        }
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.Q8_K;
    }

    /**
     * As {@link Q4_KKernel#dot} (ggml's vec_dot_q5_K_q8_K): per super-block an integer sum
     * Σ scale_s·Σ q·q8 (5-bit levels times the widened activation quants in 16-bit lanes,
     * |product| ≤ 31·127, adjacent pairs
     * summed into ints, times the sub-block's scale) converted and multiplied by d·d8; the mins
     * enter once per super-block as dmin·d8·Σ min_s·(sum of the sub-block's activation quants).
     */
    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] xq = x.qs;
        int xb = xOff / QK_K;
        FloatVector acc = FloatVector.zero(F);
        float accMin = 0;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int kb = xb + b, qo = kb * QK_K;
            IntVector sumi = IntVector.zero(I);
            int summ = 0;
            long scales = KQuants.scales(data, base + 4), mins = KQuants.mins(data, base + 4);
            for (int g = 0; g < 4; g++) {
                IntVector p1 = IntVector.zero(I), p2 = p1;
                for (int j = 0; j < 32; j += SL) {
                    ByteVector w = ByteVector.fromMemorySegment(B_S, data, base + 48 + 32 * g + j, LE);
                    ByteVector qh = ByteVector.fromMemorySegment(B_S, data, base + 16 + j, LE).lanewise(VectorOperators.LSHR, 2 * g);
                    ShortVector lo = (ShortVector) w.and((byte) 0x0f).or(qh.and((byte) 1).lanewise(VectorOperators.LSHL, 4))
                            .convertShape(VectorOperators.B2S, S, 0);
                    ShortVector hi = (ShortVector) w.lanewise(VectorOperators.LSHR, 4).or(qh.and((byte) 2).lanewise(VectorOperators.LSHL, 3))
                            .convertShape(VectorOperators.B2S, S, 0);
                    IntVector v1 = lo.mul(ShortVector.fromArray(S, xq, qo + 64 * g + j)).reinterpretAsInts();
                    p1 = p1.add(v1.add(v1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    IntVector v2 = hi.mul(ShortVector.fromArray(S, xq, qo + 64 * g + 32 + j)).reinterpretAsInts();
                    p2 = p2.add(v2.add(v2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                }
                sumi = sumi.add(p1.mul(KQuants.packed(scales, 2 * g))).add(p2.mul(KQuants.packed(scales, 2 * g + 1)));
                int s16 = kb * 16 + 4 * g;
                summ += KQuants.packed(mins, 2 * g) * (x.kSum16[s16] + x.kSum16[s16 + 1])
                        + KQuants.packed(mins, 2 * g + 1) * (x.kSum16[s16 + 2] + x.kSum16[s16 + 3]);
            }
            float dy = x.kScale[kb];
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy * Float.float16ToFloat(data.get(I16, base))), acc);
            accMin += dy * Float.float16ToFloat(data.get(I16, base + 2)) * summ;
        }
        return acc.reduceLanes(VectorOperators.ADD) - accMin;
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        short[] q0 = x0.qs, q1 = x1.qs, q2 = x2.qs, q3 = x3.qs;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = b * QK_K;
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0;
            int mm0 = 0, mm1 = 0, mm2 = 0, mm3 = 0;
            long scales = KQuants.scales(data, base + 4), mins = KQuants.mins(data, base + 4);
            for (int g = 0; g < 4; g++) {
                IntVector p0 = IntVector.zero(I), p1 = p0, p2 = p0, p3 = p0, r0 = p0, r1 = p0, r2 = p0, r3 = p0;
                for (int j = 0; j < 32; j += SL) {
                    ByteVector w = ByteVector.fromMemorySegment(B_S, data, base + 48 + 32 * g + j, LE);
                    ByteVector qh = ByteVector.fromMemorySegment(B_S, data, base + 16 + j, LE).lanewise(VectorOperators.LSHR, 2 * g);
                    ShortVector lo = (ShortVector) w.and((byte) 0x0f).or(qh.and((byte) 1).lanewise(VectorOperators.LSHL, 4))
                            .convertShape(VectorOperators.B2S, S, 0);
                    ShortVector hi = (ShortVector) w.lanewise(VectorOperators.LSHR, 4).or(qh.and((byte) 2).lanewise(VectorOperators.LSHL, 3))
                            .convertShape(VectorOperators.B2S, S, 0);
                    int l = qo + 64 * g + j, h = l + 32;
                    IntVector v;
                    v = lo.mul(ShortVector.fromArray(S, q0, l)).reinterpretAsInts();
                    p0 = p0.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    v = hi.mul(ShortVector.fromArray(S, q0, h)).reinterpretAsInts();
                    r0 = r0.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    v = lo.mul(ShortVector.fromArray(S, q1, l)).reinterpretAsInts();
                    p1 = p1.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    v = hi.mul(ShortVector.fromArray(S, q1, h)).reinterpretAsInts();
                    r1 = r1.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    v = lo.mul(ShortVector.fromArray(S, q2, l)).reinterpretAsInts();
                    p2 = p2.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    v = hi.mul(ShortVector.fromArray(S, q2, h)).reinterpretAsInts();
                    r2 = r2.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    v = lo.mul(ShortVector.fromArray(S, q3, l)).reinterpretAsInts();
                    p3 = p3.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    v = hi.mul(ShortVector.fromArray(S, q3, h)).reinterpretAsInts();
                    r3 = r3.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                }
                int sc1 = KQuants.packed(scales, 2 * g), sc2 = KQuants.packed(scales, 2 * g + 1);
                int mn1 = KQuants.packed(mins, 2 * g), mn2 = KQuants.packed(mins, 2 * g + 1);
                s0 = s0.add(p0.mul(sc1)).add(r0.mul(sc2));
                s1 = s1.add(p1.mul(sc1)).add(r1.mul(sc2));
                s2 = s2.add(p2.mul(sc1)).add(r2.mul(sc2));
                s3 = s3.add(p3.mul(sc1)).add(r3.mul(sc2));
                int s16 = b * 16 + 4 * g;
                mm0 += mn1 * (x0.kSum16[s16] + x0.kSum16[s16 + 1]) + mn2 * (x0.kSum16[s16 + 2] + x0.kSum16[s16 + 3]);
                mm1 += mn1 * (x1.kSum16[s16] + x1.kSum16[s16 + 1]) + mn2 * (x1.kSum16[s16 + 2] + x1.kSum16[s16 + 3]);
                mm2 += mn1 * (x2.kSum16[s16] + x2.kSum16[s16 + 1]) + mn2 * (x2.kSum16[s16 + 2] + x2.kSum16[s16 + 3]);
                mm3 += mn1 * (x3.kSum16[s16] + x3.kSum16[s16 + 1]) + mn2 * (x3.kSum16[s16 + 2] + x3.kSum16[s16 + 3]);
            }
            float d = Float.float16ToFloat(data.get(I16, base)), dmin = Float.float16ToFloat(data.get(I16, base + 2));
            a0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x0.kScale[b]), a0);
            a1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x1.kScale[b]), a1);
            a2 = ((FloatVector) s2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x2.kScale[b]), a2);
            a3 = ((FloatVector) s3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x3.kScale[b]), a3);
            m0 += x0.kScale[b] * dmin * mm0;
            m1 += x1.kScale[b] * dmin * mm1;
            m2 += x2.kScale[b] * dmin * mm2;
            m3 += x3.kScale[b] * dmin * mm3;
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD) - m0;
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD) - m1;
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD) - m2;
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD) - m3;
    }

    /** Per super-block: d8·(d·Σ_s scale_s·Σ q·q8 − dmin·Σ_s min_s·Σ q8), in integers up to the last step. */
    @Override
    public float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        int xb = xOff / QK_K;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int kb = xb + b, qo = kb * QK_K;
            int sumi = 0, summ = 0;
            for (int s = 0; s < 8; s++) {
                int g = s / 2, shift = 4 * (s % 2), isum = 0, xsum = 0;
                for (int l = 0; l < 32; l++) {
                    int q = ((KQuants.u8(data, base + 48 + 32 * g + l) >> shift) & 0xF) | (((KQuants.u8(data, base + 16 + l) >> s) & 1) << 4);
                    int xv = x.q[qo + 32 * s + l];
                    isum += q * xv;
                    xsum += xv;
                }
                sumi += KQuants.scale(data, base + 4, s) * isum;
                summ += KQuants.min(data, base + 4, s) * xsum;
            }
            float dy = x.kScale[kb];
            sum += dy * Float.float16ToFloat(data.get(I16, base)) * sumi - dy * Float.float16ToFloat(data.get(I16, base + 2)) * summ;
        }
        return sum;
    }
}
