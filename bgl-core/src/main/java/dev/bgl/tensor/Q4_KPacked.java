package dev.bgl.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.bgl.tensor.KQuants.QK_K;
import static dev.bgl.tensor.PackedRows.G;
import static dev.bgl.tensor.Species.B_L;
import static dev.bgl.tensor.Species.B_S;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.S;

/**
 * Q4_K in groups of G rows. Per super-block of 256 columns: d and dmin of each row as floats
 * (4G bytes each), the eight 6-bit scales and mins unpacked to bytes (8G each, sub-block-major),
 * then for each pair t of sub-blocks and column pair p a 2G-byte vector whose byte 2r+e is the
 * source byte of row r at column 2p+e: sub-block 2t in the low nibble, 2t+1 in the high one, as
 * in the source. 152G bytes for the source's 144G.
 */
final class Q4_KPacked implements PackedKernel {
    static final Q4_KPacked INSTANCE = new Q4_KPacked();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Super-blocks read through one slice (when the row's count is a multiple of it). */
    private static final int SPAN = 4;
    private static final long SCALES = 8L * G, MINS = 16L * G, QUANTS = 24L * G;

    private Q4_KPacked() {
    }

    @Override
    public int blockCols() {
        return QK_K;
    }

    @Override
    public long blockBytes() {
        return 152L * G;
    }

    @Override
    public void packRow(byte[] source, int r, byte[] packed) {
        MemorySegment block = MemorySegment.ofArray(source);
        PackedKernel.putFloat(packed, 4 * r, PackedKernel.f16(source, 0));
        PackedKernel.putFloat(packed, 4 * G + 4 * r, PackedKernel.f16(source, 2));
        long scales = KQuants.scales(block, 4), mins = KQuants.mins(block, 4);
        for (int s = 0; s < 8; s++) {
            packed[(int) SCALES + s * G + r] = (byte) KQuants.packed(scales, s);
            packed[(int) MINS + s * G + r] = (byte) KQuants.packed(mins, s);
        }
        for (int t = 0; t < 4; t++)
            for (int c = 0; c < 32; c++)
                packed[(int) QUANTS + (t * 16 + c / 2) * 2 * G + 2 * r + (c & 1)] = source[16 + 32 * t + c];
    }

    /**
     * Per pair of sub-blocks, 16 column pairs of 4-bit × int8 products (≤ 15·127 each, 16 per
     * lane ≤ 30480) are summed in 16 bits, split into int lanes once, and multiplied by the rows'
     * scales; the mins enter as min·(sum of the sub-block's activation quants), as in ggml.
     */
    @Override
    public void matvec(MemorySegment data, long off, int cols, Activations x, float[] out, int outOff) {
        int[] xp = x.pairs, sums = x.kSum16;
        float[] ks = x.kScale;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc = FloatVector.zero(F);
        int blocks = cols / QK_K, span = blocks % SPAN == 0 ? SPAN : 1;
        for (int b0 = 0; b0 < blocks; b0 += span) {
            // one slice per SPAN blocks: constant offsets within it let C2 fold most bounds checks (a slice per block cost ~7% of decode)
            MemorySegment blk = data.asSlice(off + b0 * bb, span * bb);
            for (int j = 0; j < span; j++) {
                int b = b0 + j;
                long jb = j * bb;
                IntVector sumi = IntVector.zero(I), summ = sumi;
                for (int t = 0; t < 4; t++) {
                    ShortVector a1 = ShortVector.zero(S), a2 = a1;
                    long q = QUANTS + t * 16 * pairBytes;
                    int xo = 128 * b + 32 * t;
                    for (int p = 0; p < 16; p++) {
                        ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, jb + q + p * pairBytes, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        a1 = a1.add(w.and((short) 0xF).mul(IntVector.broadcast(I, xp[xo + p]).reinterpretAsShorts()));
                        a2 = a2.add(w.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(I, xp[xo + 16 + p]).reinterpretAsShorts()));
                    }
                    IntVector v1 = a1.reinterpretAsInts(), v2 = a2.reinterpretAsInts();
                    v1 = v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16));
                    v2 = v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16));
                    long sc = SCALES + 2L * t * G, mn = MINS + 2L * t * G;
                    IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + sc, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector sc2 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + sc + G, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector mn1 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + mn, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector mn2 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + mn + G, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    int s16 = 16 * b + 4 * t;
                    sumi = sumi.add(v1.mul(sc1)).add(v2.mul(sc2));
                    summ = summ.add(mn1.mul(sums[s16] + sums[s16 + 1])).add(mn2.mul(sums[s16 + 2] + sums[s16 + 3]));
                }
                float dy = ks[b];
                acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(F, blk, jb, LE).mul(dy), acc);
                acc = ((FloatVector) summ.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(F, blk, jb + 4L * G, LE).mul(-dy), acc);
            }
        }
        acc.intoArray(out, outOff);
    }

    /**
     * {@link #matvec} for four activations: each column pair's weight bytes are loaded and split
     * into their two sub-blocks' levels once for all four, then multiplied into each activation's
     * own 16-bit sums. Each activation's integer sums are matvec's (exact) and its float
     * accumulation takes the same operations: the results are bitwise matvec's.
     */
    @Override
    public void matvec4(MemorySegment data, long off, int cols, Activations x0, Activations x1, Activations x2, Activations x3,
                        float[] out, int outOff, int outStride) {
        int[] xp0 = x0.pairs, xp1 = x1.pairs, xp2 = x2.pairs, xp3 = x3.pairs;
        int[] sums0 = x0.kSum16, sums1 = x1.kSum16, sums2 = x2.kSum16, sums3 = x3.kSum16;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int blocks = cols / QK_K, span = blocks % SPAN == 0 ? SPAN : 1;
        for (int b0 = 0; b0 < blocks; b0 += span) {
            MemorySegment blk = data.asSlice(off + b0 * bb, span * bb); // as in matvec
            for (int j = 0; j < span; j++) {
                int b = b0 + j;
                long jb = j * bb;
                IntVector sumi0 = IntVector.zero(I), sumi1 = sumi0, sumi2 = sumi0, sumi3 = sumi0;
                IntVector summ0 = sumi0, summ1 = sumi0, summ2 = sumi0, summ3 = sumi0;
                for (int t = 0; t < 4; t++) {
                    ShortVector z = ShortVector.zero(S);
                    ShortVector a01 = z, a02 = z, a11 = z, a12 = z, a21 = z, a22 = z, a31 = z, a32 = z;
                    long q = QUANTS + t * 16 * pairBytes;
                    int xo = 128 * b + 32 * t;
                    for (int p = 0; p < 16; p++) {
                        ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, jb + q + p * pairBytes, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector lo = w.and((short) 0xF), hi = w.lanewise(VectorOperators.LSHR, 4);
                        a01 = a01.add(lo.mul(IntVector.broadcast(I, xp0[xo + p]).reinterpretAsShorts()));
                        a02 = a02.add(hi.mul(IntVector.broadcast(I, xp0[xo + 16 + p]).reinterpretAsShorts()));
                        a11 = a11.add(lo.mul(IntVector.broadcast(I, xp1[xo + p]).reinterpretAsShorts()));
                        a12 = a12.add(hi.mul(IntVector.broadcast(I, xp1[xo + 16 + p]).reinterpretAsShorts()));
                        a21 = a21.add(lo.mul(IntVector.broadcast(I, xp2[xo + p]).reinterpretAsShorts()));
                        a22 = a22.add(hi.mul(IntVector.broadcast(I, xp2[xo + 16 + p]).reinterpretAsShorts()));
                        a31 = a31.add(lo.mul(IntVector.broadcast(I, xp3[xo + p]).reinterpretAsShorts()));
                        a32 = a32.add(hi.mul(IntVector.broadcast(I, xp3[xo + 16 + p]).reinterpretAsShorts()));
                    }
                    long sc = SCALES + 2L * t * G, mn = MINS + 2L * t * G;
                    IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + sc, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector sc2 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + sc + G, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector mn1 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + mn, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector mn2 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, jb + mn + G, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    int s16 = 16 * b + 4 * t;
                    IntVector v1, v2;
                    v1 = a01.reinterpretAsInts();
                    v2 = a02.reinterpretAsInts();
                    v1 = v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16));
                    v2 = v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16));
                    sumi0 = sumi0.add(v1.mul(sc1)).add(v2.mul(sc2));
                    summ0 = summ0.add(mn1.mul(sums0[s16] + sums0[s16 + 1])).add(mn2.mul(sums0[s16 + 2] + sums0[s16 + 3]));
                    v1 = a11.reinterpretAsInts();
                    v2 = a12.reinterpretAsInts();
                    v1 = v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16));
                    v2 = v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16));
                    sumi1 = sumi1.add(v1.mul(sc1)).add(v2.mul(sc2));
                    summ1 = summ1.add(mn1.mul(sums1[s16] + sums1[s16 + 1])).add(mn2.mul(sums1[s16 + 2] + sums1[s16 + 3]));
                    v1 = a21.reinterpretAsInts();
                    v2 = a22.reinterpretAsInts();
                    v1 = v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16));
                    v2 = v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16));
                    sumi2 = sumi2.add(v1.mul(sc1)).add(v2.mul(sc2));
                    summ2 = summ2.add(mn1.mul(sums2[s16] + sums2[s16 + 1])).add(mn2.mul(sums2[s16 + 2] + sums2[s16 + 3]));
                    v1 = a31.reinterpretAsInts();
                    v2 = a32.reinterpretAsInts();
                    v1 = v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16));
                    v2 = v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16));
                    sumi3 = sumi3.add(v1.mul(sc1)).add(v2.mul(sc2));
                    summ3 = summ3.add(mn1.mul(sums3[s16] + sums3[s16 + 1])).add(mn2.mul(sums3[s16 + 2] + sums3[s16 + 3]));
                }
                FloatVector d = FloatVector.fromMemorySegment(F, blk, jb, LE), dmin = FloatVector.fromMemorySegment(F, blk, jb + 4L * G, LE);
                float dy;
                dy = x0.kScale[b];
                acc0 = ((FloatVector) sumi0.convert(VectorOperators.I2F, 0)).fma(d.mul(dy), acc0);
                acc0 = ((FloatVector) summ0.convert(VectorOperators.I2F, 0)).fma(dmin.mul(-dy), acc0);
                dy = x1.kScale[b];
                acc1 = ((FloatVector) sumi1.convert(VectorOperators.I2F, 0)).fma(d.mul(dy), acc1);
                acc1 = ((FloatVector) summ1.convert(VectorOperators.I2F, 0)).fma(dmin.mul(-dy), acc1);
                dy = x2.kScale[b];
                acc2 = ((FloatVector) sumi2.convert(VectorOperators.I2F, 0)).fma(d.mul(dy), acc2);
                acc2 = ((FloatVector) summ2.convert(VectorOperators.I2F, 0)).fma(dmin.mul(-dy), acc2);
                dy = x3.kScale[b];
                acc3 = ((FloatVector) sumi3.convert(VectorOperators.I2F, 0)).fma(d.mul(dy), acc3);
                acc3 = ((FloatVector) summ3.convert(VectorOperators.I2F, 0)).fma(dmin.mul(-dy), acc3);
            }
        }
        acc0.intoArray(out, outOff);
        acc1.intoArray(out, outOff + outStride);
        acc2.intoArray(out, outOff + 2 * outStride);
        acc3.intoArray(out, outOff + 3 * outStride);
    }

    @Override
    public void dequantize(MemorySegment data, long off, int cols, float[] tile) {
        long pairBytes = 2L * G, bb = blockBytes();
        for (int b = 0; b < cols / QK_K; b++) {
            long o = off + b * bb;
            FloatVector d = FloatVector.fromMemorySegment(F, data, o, LE), dmin = FloatVector.fromMemorySegment(F, data, o + 4L * G, LE);
            for (int t = 0; t < 4; t++) {
                long sc = o + SCALES + 2L * t * G, mn = o + MINS + 2L * t * G;
                FloatVector d1 = d.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, sc, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector d2 = d.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, sc + G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector m1 = dmin.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, mn, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector m2 = dmin.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, mn + G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector d1Lo = d1.rearrange(PackedRows.LOWER_ROWS), d1Hi = d1.rearrange(PackedRows.UPPER_ROWS);
                FloatVector d2Lo = d2.rearrange(PackedRows.LOWER_ROWS), d2Hi = d2.rearrange(PackedRows.UPPER_ROWS);
                FloatVector m1Lo = m1.rearrange(PackedRows.LOWER_ROWS), m1Hi = m1.rearrange(PackedRows.UPPER_ROWS);
                FloatVector m2Lo = m2.rearrange(PackedRows.LOWER_ROWS), m2Hi = m2.rearrange(PackedRows.UPPER_ROWS);
                long q = o + QUANTS + t * 16 * pairBytes;
                for (int p = 0; p < 16; p++) {
                    ByteVector w = ByteVector.fromMemorySegment(B_S, data, q + p * pairBytes, LE);
                    ByteVector lo = w.and((byte) 0xF), hi = w.lanewise(VectorOperators.LSHR, 4);
                    int e1 = (128 * b + 32 * t + p) * 2 * G, e2 = e1 + 32 * G;
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0)).mul(d1Lo).sub(m1Lo).intoArray(tile, e1);
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 1)).mul(d1Hi).sub(m1Hi).intoArray(tile, e1 + G);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0)).mul(d2Lo).sub(m2Lo).intoArray(tile, e2);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 1)).mul(d2Hi).sub(m2Hi).intoArray(tile, e2 + G);
                }
            }
        }
    }
}
