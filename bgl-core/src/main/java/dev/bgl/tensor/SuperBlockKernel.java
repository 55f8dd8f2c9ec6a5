package dev.bgl.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.bgl.tensor.KQuants.QK_K;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.L;
import static dev.bgl.tensor.Species.S_HALF;

/**
 * What ggml's 256-value super-block types beyond Q4_K..Q6_K share (Q2_K, Q3_K, IQ4_XS): a super-block
 * scale d (and for Q2_K a min scale dmin), an integer scale (and min) per sub-block of 16 values,
 * and small integer levels, standing for {@code d·scale·q − dmin·min}. They multiply with Q8_K
 * activations, so a dot product is ggml's integer sums per super-block,
 * {@code d8·(d·Σ_s scale_s·Σ q·q8 − dmin·Σ_s min_s·Σ q8)}, the last from the activations' 16-sums.
 *
 * <p>The subclasses only say how a super-block's bytes hold d, dmin, the scales and the levels
 * (IQ4_XS's sub-blocks of 32 give each of their two halves the same scale). The vector dot widens
 * levels and activation quants to ints ({@code |scale·q·q8|} would not fit 16 bits for IQ4_XS)
 * and needs int vectors of at most 16 lanes, which {@link Species#F} guarantees.
 */
abstract sealed class SuperBlockKernel implements TypeKernel permits Q2_KKernel, Q3_KKernel, IQ4_XSKernel {

    abstract int blockBytes();

    abstract float d(MemorySegment data, long base);

    /** The min scale (0 for the types without mins). */
    float dmin(MemorySegment data, long base) {
        return 0;
    }

    /** Decodes the super-block's 256 levels into {@code q}, its 16 scales into {@code sc} and 16 mins (zeros if none) into {@code mn}. */
    abstract void decode(MemorySegment data, long base, short[] q, int[] sc, int[] mn);

    /** Encodes 256 floats from {@code in[o..]} as one super-block at {@code base}. */
    abstract void quantizeBlock(float[] in, int o, MemorySegment out, long base);

    @Override
    public final void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        short[] q = new short[QK_K];
        int[] sc = new int[16], mn = new int[16];
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * blockBytes();
            decode(data, base, q, sc, mn);
            float d = d(data, base), dmin = dmin(data, base);
            for (int s = 0; s < 16; s++) {
                float dl = d * sc[s], ml = dmin * mn[s];
                for (int l = 0; l < 16; l++) out[outOff + b * QK_K + 16 * s + l] = dl * q[16 * s + l] - ml;
            }
        }
    }

    @Override
    public final void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        for (int b = 0; b < n / QK_K; b++) quantizeBlock(in, inOff + b * QK_K, out, byteOffset + (long) b * blockBytes());
    }

    @Override
    public final ActivationType activationType() {
        return ActivationType.Q8_K;
    }

    @Override
    public final float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] xq = x.qs, q = new short[QK_K];
        int[] sc = new int[16], mn = new int[16];
        int xb = xOff / QK_K;
        FloatVector acc = FloatVector.zero(F);
        float accMin = 0;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * blockBytes();
            decode(data, base, q, sc, mn);
            int kb = xb + b, qo = kb * QK_K, summ = 0;
            IntVector sumi = IntVector.zero(I);
            for (int s = 0; s < 16; s++) {
                IntVector p = IntVector.zero(I);
                for (int l = 0; l < 16; l += L) {
                    IntVector w = (IntVector) ShortVector.fromArray(S_HALF, q, 16 * s + l).convertShape(VectorOperators.S2I, I, 0);
                    IntVector a = (IntVector) ShortVector.fromArray(S_HALF, xq, qo + 16 * s + l).convertShape(VectorOperators.S2I, I, 0);
                    p = p.add(w.mul(a));
                }
                sumi = sumi.add(p.mul(sc[s]));
                summ += mn[s] * x.kSum16[kb * 16 + s];
            }
            float dy = x.kScale[kb];
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy * d(data, base)), acc);
            accMin += dy * dmin(data, base) * summ;
        }
        return acc.reduceLanes(VectorOperators.ADD) - accMin;
    }

    @Override
    public final void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                           int n, float[] out, int outOff, int outStride) {
        short[] q = new short[QK_K], q0 = x0.qs, q1 = x1.qs, q2 = x2.qs, q3 = x3.qs;
        int[] sc = new int[16], mn = new int[16];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * blockBytes();
            decode(data, base, q, sc, mn);
            int qo = b * QK_K, mm0 = 0, mm1 = 0, mm2 = 0, mm3 = 0;
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0;
            for (int s = 0; s < 16; s++) {
                IntVector p0 = IntVector.zero(I), p1 = p0, p2 = p0, p3 = p0;
                for (int l = 0; l < 16; l += L) {
                    int at = qo + 16 * s + l;
                    IntVector w = (IntVector) ShortVector.fromArray(S_HALF, q, 16 * s + l).convertShape(VectorOperators.S2I, I, 0);
                    p0 = p0.add(w.mul((IntVector) ShortVector.fromArray(S_HALF, q0, at).convertShape(VectorOperators.S2I, I, 0)));
                    p1 = p1.add(w.mul((IntVector) ShortVector.fromArray(S_HALF, q1, at).convertShape(VectorOperators.S2I, I, 0)));
                    p2 = p2.add(w.mul((IntVector) ShortVector.fromArray(S_HALF, q2, at).convertShape(VectorOperators.S2I, I, 0)));
                    p3 = p3.add(w.mul((IntVector) ShortVector.fromArray(S_HALF, q3, at).convertShape(VectorOperators.S2I, I, 0)));
                }
                s0 = s0.add(p0.mul(sc[s]));
                s1 = s1.add(p1.mul(sc[s]));
                s2 = s2.add(p2.mul(sc[s]));
                s3 = s3.add(p3.mul(sc[s]));
                int k = b * 16 + s;
                mm0 += mn[s] * x0.kSum16[k];
                mm1 += mn[s] * x1.kSum16[k];
                mm2 += mn[s] * x2.kSum16[k];
                mm3 += mn[s] * x3.kSum16[k];
            }
            float d = d(data, base), dmin = dmin(data, base);
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

    /** Per super-block: d8·(d·Σ_s scale_s·Σ q·q8 − dmin·Σ_s min_s·Σ q8), plain integer loops (the min sums recounted from the quants). */
    @Override
    public final float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] q = new short[QK_K];
        int[] sc = new int[16], mn = new int[16];
        int xb = xOff / QK_K;
        float sum = 0;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * blockBytes();
            decode(data, base, q, sc, mn);
            int kb = xb + b, qo = kb * QK_K, sumi = 0, summ = 0;
            for (int s = 0; s < 16; s++) {
                int isum = 0, xsum = 0;
                for (int l = 0; l < 16; l++) {
                    isum += q[16 * s + l] * x.q[qo + 16 * s + l];
                    xsum += x.q[qo + 16 * s + l];
                }
                sumi += sc[s] * isum;
                summ += mn[s] * xsum;
            }
            float dy = x.kScale[kb];
            sum += dy * d(data, base) * sumi - dy * dmin(data, base) * summ;
        }
        return sum;
    }

    /** Element {@code i} (0..255) of Q2_K/Q3_K's 2-bit field at {@code qsAt}: byte 32·(i/128) + i%32, bits 2·((i%128)/32). */
    static int twoBits(MemorySegment data, long qsAt, int i) {
        int r = i % 128;
        return (KQuants.u8(data, qsAt + 32 * (i / 128) + r % 32) >> (2 * (r / 32))) & 3;
    }

    /** All 256 elements of the 2-bit field at {@code qsAt} into {@code q}, as {@link #twoBits} reads them one by one. */
    static void twoBitLevels(MemorySegment data, long qsAt, short[] q) {
        for (int half = 0; half < 2; half++)
            for (int t = 0; t < 32; t++) {
                int v = KQuants.u8(data, qsAt + 32 * half + t), o = 128 * half + t;
                q[o] = (short) (v & 3);
                q[o + 32] = (short) ((v >> 2) & 3);
                q[o + 64] = (short) ((v >> 4) & 3);
                q[o + 96] = (short) (v >> 6);
            }
    }

    /** Writes levels 0..3 into the 64-byte 2-bit field at {@code qsAt}, laid out as {@link #twoBits} reads it. */
    static void packTwoBits(int[] levels, MemorySegment out, long qsAt) {
        byte[] b = new byte[64];
        for (int i = 0; i < QK_K; i++) {
            int r = i % 128;
            b[32 * (i / 128) + r % 32] |= (byte) ((levels[i] & 3) << (2 * (r / 32)));
        }
        for (int j = 0; j < 64; j++) out.set(java.lang.foreign.ValueLayout.JAVA_BYTE, qsAt + j, b[j]);
    }
}
