package dev.bgl.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.Q4_F;
import static dev.bgl.tensor.Species.Q4_I;
import static dev.bgl.tensor.Species.Q4_S;
import static dev.bgl.tensor.Species.W4;
import static dev.bgl.tensor.Species.S;
import static dev.bgl.tensor.Species.SL;

/**
 * What ggml's 32-value block types beyond Q4_0/Q8_0 share (Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4):
 * each block is a float scale d, for the asymmetric ones an offset m, and 32 small integer
 * levels q, standing for {@code d·q + m}. They all multiply with Q8_0 activations (Q4_1/Q5_1 with
 * ggml's Q8_1, which is Q8_0 plus each block's d·Σq — formed here from the Q8_0 block's sum), so a
 * dot product is exact integer sums per block, {@code d·d8·Σ q·q8 + m·d8·Σ q8}, as in ggml.
 *
 * <p>The subclasses only say how a block's bytes hold d, m and the levels; decoding, the dot
 * products and dot4 are here. The vector dot decodes a block's levels to shorts and multiplies
 * them with the widened activation quants (|level| ≤ 127, so a pair of products fits 16 bits).
 */
abstract sealed class SmallBlockKernel implements TypeKernel
        permits Q4_1Kernel, Q5_0Kernel, Q5_1Kernel, IQ4_NLKernel, MXFP4Kernel {
    static final int QK = 32;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Bytes of one block. */
    abstract int blockBytes();

    /** The block's scale d. */
    abstract float scale(MemorySegment data, long base);

    /** The block's offset m (0 for the symmetric types). */
    float offset(MemorySegment data, long base) {
        return 0;
    }

    /** Whether {@link #offset} can be non-zero: the dot then needs the activations' block sums. */
    abstract boolean hasOffset();

    /** The block's 32 integer levels into {@code q[0..32)}. */
    abstract void levels(MemorySegment data, long base, short[] q);

    /**
     * For the types whose levels are a table lookup of 16 bytes of nibbles laid out as Q4_0's
     * (Q4_1: the identity, IQ4_NL, MXFP4): the table, as 16 bytes; null for the others (Q5_0/Q5_1).
     * The vector dot then looks the levels up sixteen at a time instead of decoding them one by one.
     */
    ByteVector nibbleTable() {
        return null;
    }

    /** Where a block's 16 bytes of nibbles start, for the types with a {@link #nibbleTable}. */
    int nibblesAt() {
        return -1;
    }

    /** A 16-entry table as a 128-bit byte vector, for {@link #nibbleTable}. */
    static ByteVector table(int[] values) {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) b[i] = (byte) values[i];
        return ByteVector.fromArray(ByteVector.SPECIES_128, b, 0);
    }

    /** Encodes 32 floats from {@code in[o..]} as one block at {@code base}. */
    abstract void quantizeBlock(float[] in, int o, MemorySegment out, long base);

    @Override
    public final void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        short[] q = new short[QK];
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * blockBytes();
            float d = scale(data, base), m = offset(data, base);
            levels(data, base, q);
            for (int j = 0; j < QK; j++) out[outOff + b * QK + j] = d * q[j] + m;
        }
    }

    @Override
    public final void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        for (int b = 0; b < n / QK; b++) quantizeBlock(in, inOff + b * QK, out, byteOffset + (long) b * blockBytes());
    }

    @Override
    public final ActivationType activationType() {
        return ActivationType.Q8_0;
    }

    /** ggml's Q8_1 block sum s = d8·Σq8 through F16 (its {@code y.s}); the offset term of Q4_1/Q5_1 is m·s. */
    static float q8_1Sum(Activations x, int block) {
        return x.q8_1Sum[block];
    }

    @Override
    public final float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        ByteVector table = nibbleTable();
        if (table != null) return dotNibbles(table, nibblesAt(), data, byteOffset, x, xOff, n);
        short[] xq = x.qs, q = new short[QK];
        int xb = xOff / QK;
        boolean offsets = hasOffset();
        FloatVector acc = FloatVector.zero(F);
        float accM = 0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * blockBytes();
            levels(data, base, q);
            int qo = (xb + b) * QK;
            IntVector p = IntVector.zero(I);
            for (int j = 0; j < QK; j += SL) {
                IntVector v = ShortVector.fromArray(S, q, j).mul(ShortVector.fromArray(S, xq, qo + j)).reinterpretAsInts();
                p = p.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            acc = ((FloatVector) p.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scale(data, base) * x.scale[xb + b]), acc);
            if (offsets) accM += offset(data, base) * q8_1Sum(x, xb + b);
        }
        return acc.reduceLanes(VectorOperators.ADD) + accM;
    }

    /**
     * The dot of the table types: per block the 16 bytes of nibbles are split into low (elements
     * 0..15) and high (16..31) nibbles and looked up in the table (one byte shuffle each), widened
     * to shorts W4 lanes at a time and multiplied with the activation quants; low and high products
     * are pair-summed into ints separately, since |level·q8| reaches 127·127 and two of them but
     * not four fit 16 bits.
     */
    private float dotNibbles(ByteVector table, int at, MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] xq = x.qs;
        int xb = xOff / QK;
        boolean offsets = hasOffset();
        FloatVector acc = FloatVector.zero(Q4_F);
        float accM = 0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * blockBytes();
            ByteVector w = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, base + at, LE);
            ByteVector lo = w.and((byte) 0x0F).selectFrom(table), hi = w.lanewise(VectorOperators.LSHR, 4).selectFrom(table);
            int qo = (xb + b) * QK;
            IntVector p = IntVector.zero(Q4_I);
            for (int part = 0; part < 16 / W4; part++) {
                ShortVector l = (ShortVector) lo.convertShape(VectorOperators.B2S, Q4_S, part);
                ShortVector h = (ShortVector) hi.convertShape(VectorOperators.B2S, Q4_S, part);
                IntVector v1 = l.mul(ShortVector.fromArray(Q4_S, xq, qo + part * W4)).reinterpretAsInts();
                IntVector v2 = h.mul(ShortVector.fromArray(Q4_S, xq, qo + 16 + part * W4)).reinterpretAsInts();
                p = p.add(v1.add(v1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16))
                        .add(v2.add(v2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            acc = ((FloatVector) p.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, scale(data, base) * x.scale[xb + b]), acc);
            if (offsets) accM += offset(data, base) * q8_1Sum(x, xb + b);
        }
        return acc.reduceLanes(VectorOperators.ADD) + accM;
    }

    @Override
    public final void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                           int n, float[] out, int outOff, int outStride) {
        ByteVector table = nibbleTable();
        if (table != null) {
            dot4Nibbles(table, nibblesAt(), data, byteOffset, x0, x1, x2, x3, n, out, outOff, outStride);
            return;
        }
        short[] q = new short[QK], q0 = x0.qs, q1 = x1.qs, q2 = x2.qs, q3 = x3.qs;
        boolean offsets = hasOffset();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * blockBytes();
            levels(data, base, q);
            int qo = b * QK;
            IntVector p0 = IntVector.zero(I), p1 = p0, p2 = p0, p3 = p0;
            for (int j = 0; j < QK; j += SL) {
                ShortVector w = ShortVector.fromArray(S, q, j);
                IntVector v;
                v = w.mul(ShortVector.fromArray(S, q0, qo + j)).reinterpretAsInts();
                p0 = p0.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                v = w.mul(ShortVector.fromArray(S, q1, qo + j)).reinterpretAsInts();
                p1 = p1.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                v = w.mul(ShortVector.fromArray(S, q2, qo + j)).reinterpretAsInts();
                p2 = p2.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                v = w.mul(ShortVector.fromArray(S, q3, qo + j)).reinterpretAsInts();
                p3 = p3.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float d = scale(data, base);
            a0 = ((FloatVector) p0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x0.scale[b]), a0);
            a1 = ((FloatVector) p1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x1.scale[b]), a1);
            a2 = ((FloatVector) p2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x2.scale[b]), a2);
            a3 = ((FloatVector) p3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x3.scale[b]), a3);
            if (offsets) {
                float m = offset(data, base);
                m0 += m * q8_1Sum(x0, b);
                m1 += m * q8_1Sum(x1, b);
                m2 += m * q8_1Sum(x2, b);
                m3 += m * q8_1Sum(x3, b);
            }
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD) + m0;
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD) + m1;
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD) + m2;
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD) + m3;
    }

    /** {@link #dotNibbles} for four activation vectors, each block's levels looked up once. */
    private void dot4Nibbles(ByteVector table, int at, MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2,
                             Activations x3, int n, float[] out, int outOff, int outStride) {
        short[] q0 = x0.qs, q1 = x1.qs, q2 = x2.qs, q3 = x3.qs;
        boolean offsets = hasOffset();
        FloatVector a0 = FloatVector.zero(Q4_F), a1 = a0, a2 = a0, a3 = a0;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * blockBytes();
            ByteVector w = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, base + at, LE);
            ByteVector lo = w.and((byte) 0x0F).selectFrom(table), hi = w.lanewise(VectorOperators.LSHR, 4).selectFrom(table);
            int qo = b * QK;
            IntVector p0 = IntVector.zero(Q4_I), p1 = p0, p2 = p0, p3 = p0;
            for (int part = 0; part < 16 / W4; part++) {
                ShortVector l = (ShortVector) lo.convertShape(VectorOperators.B2S, Q4_S, part);
                ShortVector h = (ShortVector) hi.convertShape(VectorOperators.B2S, Q4_S, part);
                int il = qo + part * W4, ih = il + 16;
                IntVector v, u;
                v = l.mul(ShortVector.fromArray(Q4_S, q0, il)).reinterpretAsInts();
                u = h.mul(ShortVector.fromArray(Q4_S, q0, ih)).reinterpretAsInts();
                p0 = p0.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16))
                        .add(u.add(u.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                v = l.mul(ShortVector.fromArray(Q4_S, q1, il)).reinterpretAsInts();
                u = h.mul(ShortVector.fromArray(Q4_S, q1, ih)).reinterpretAsInts();
                p1 = p1.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16))
                        .add(u.add(u.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                v = l.mul(ShortVector.fromArray(Q4_S, q2, il)).reinterpretAsInts();
                u = h.mul(ShortVector.fromArray(Q4_S, q2, ih)).reinterpretAsInts();
                p2 = p2.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16))
                        .add(u.add(u.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                v = l.mul(ShortVector.fromArray(Q4_S, q3, il)).reinterpretAsInts();
                u = h.mul(ShortVector.fromArray(Q4_S, q3, ih)).reinterpretAsInts();
                p3 = p3.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16))
                        .add(u.add(u.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float d = scale(data, base);
            a0 = ((FloatVector) p0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x0.scale[b]), a0);
            a1 = ((FloatVector) p1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x1.scale[b]), a1);
            a2 = ((FloatVector) p2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x2.scale[b]), a2);
            a3 = ((FloatVector) p3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q4_F, d * x3.scale[b]), a3);
            if (offsets) {
                float m = offset(data, base);
                m0 += m * q8_1Sum(x0, b);
                m1 += m * q8_1Sum(x1, b);
                m2 += m * q8_1Sum(x2, b);
                m3 += m * q8_1Sum(x3, b);
            }
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD) + m0;
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD) + m1;
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD) + m2;
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD) + m3;
    }

    /** Per block: d·d8·Σ q·q8 + m·s, with plain integer loops. */
    @Override
    public final float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] q = new short[QK];
        int xb = xOff / QK;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long base = byteOffset + (long) b * blockBytes();
            levels(data, base, q);
            int isum = 0, qo = (xb + b) * QK;
            for (int j = 0; j < QK; j++) isum += q[j] * x.q[qo + j];
            sum += isum * scale(data, base) * x.scale[xb + b];
            if (hasOffset()) sum += offset(data, base) * q8_1Sum(x, xb + b);
        }
        return sum;
    }

    /** Index of the entry of {@code table} (ascending) nearest to {@code v}. */
    static int nearest(int[] table, float v) {
        int best = 0;
        float bestErr = Math.abs(v - table[0]);
        for (int i = 1; i < table.length; i++) {
            float e = Math.abs(v - table[i]);
            if (e < bestErr) {
                bestErr = e;
                best = i;
            }
        }
        return best;
    }

    static int u8(MemorySegment data, long at) {
        return KQuants.u8(data, at);
    }
}
