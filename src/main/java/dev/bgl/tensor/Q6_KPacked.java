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
 * Q6_K in groups of G rows. Per super-block of 256 columns: each row's d as a float (4G bytes),
 * the 16 int8 scales (16G, sub-block-major), then the 6-bit levels of sub-blocks (16 columns
 * each) in quads 4u..4u+3: per quad and column pair p, two 2G-byte vectors of low nibbles (byte
 * 2r+e: sub-block 4u / 4u+2 low, 4u+1 / 4u+3 high) and, further on, one 2G-byte vector with the
 * four sub-blocks' top two bits. 212G bytes for the source's 210G.
 */
final class Q6_KPacked implements PackedKernel {
    static final Q6_KPacked INSTANCE = new Q6_KPacked();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final long SCALES = 4L * G, LOW = 20L * G, HIGH = 148L * G;

    private Q6_KPacked() {
    }

    @Override
    public int blockCols() {
        return QK_K;
    }

    @Override
    public long blockBytes() {
        return 212L * G;
    }

    @Override
    public void packRow(byte[] source, int r, byte[] packed) {
        PackedKernel.putFloat(packed, 4 * r, PackedKernel.f16(source, 208));
        for (int s = 0; s < 16; s++) packed[(int) SCALES + s * G + r] = source[192 + s];
        for (int u = 0; u < 4; u++)
            for (int c = 0; c < 16; c++) {
                int q0 = level(source, 16 * (4 * u) + c), q1 = level(source, 16 * (4 * u + 1) + c);
                int q2 = level(source, 16 * (4 * u + 2) + c), q3 = level(source, 16 * (4 * u + 3) + c);
                int lane = 2 * r + (c & 1), p = c / 2;
                packed[(int) LOW + (u * 8 + p) * 4 * G + lane] = (byte) ((q0 & 0xF) | (q1 & 0xF) << 4);
                packed[(int) LOW + (u * 8 + p) * 4 * G + 2 * G + lane] = (byte) ((q2 & 0xF) | (q3 & 0xF) << 4);
                packed[(int) HIGH + (u * 8 + p) * 2 * G + lane] = (byte) ((q0 >> 4) | (q1 >> 4) << 2 | (q2 >> 4) << 4 | (q3 >> 4) << 6);
            }
    }

    /** The 6-bit level (0..63) of element e of a source block, as {@link Q6_KKernel#level} reads it from a segment. */
    private static int level(byte[] block, int e) {
        int h = e / 128, quarter = e % 128 / 32, l = e % 32;
        int ql = block[64 * h + l + (quarter % 2) * 32] & 0xff, qh = block[128 + 32 * h + l] & 0xff;
        return (quarter < 2 ? ql & 0xF : ql >> 4) | (qh >> (2 * quarter) & 3) << 4;
    }

    /**
     * Per quad of sub-blocks, 8 column pairs of (level − 32) × int8 products (|·| ≤ 32·127, 8 per
     * lane ≤ 32512) are summed in 16 bits, split into int lanes and multiplied by the rows' scales.
     */
    @Override
    public void matvec(MemorySegment data, long off, int cols, Activations x, float[] out, int outOff) {
        int[] xp = x.pairs;
        float[] ks = x.kScale;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / QK_K; b++) {
            MemorySegment blk = data.asSlice(off + b * bb, bb); // constant offsets within a slice: C2 folds most bounds checks
            IntVector sumi = IntVector.zero(I);
            for (int u = 0; u < 4; u++) {
                ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                long lq = LOW + u * 16 * pairBytes, hq = HIGH + u * 8 * pairBytes;
                int xo = 128 * b + 32 * u;
                for (int p = 0; p < 8; p++) {
                    ShortVector n0 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, lq + 2 * p * pairBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector n1 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, lq + (2 * p + 1) * pairBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector h = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, hq + p * pairBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector q0 = n0.and((short) 0xF).or(h.lanewise(VectorOperators.LSHL, 4).and((short) 0x30)).sub((short) 32);
                    ShortVector q1 = n0.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHL, 2).and((short) 0x30)).sub((short) 32);
                    ShortVector q2 = n1.and((short) 0xF).or(h.and((short) 0x30)).sub((short) 32);
                    ShortVector q3 = n1.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).sub((short) 32);
                    a0 = a0.add(q0.mul(IntVector.broadcast(I, xp[xo + p]).reinterpretAsShorts()));
                    a1 = a1.add(q1.mul(IntVector.broadcast(I, xp[xo + 8 + p]).reinterpretAsShorts()));
                    a2 = a2.add(q2.mul(IntVector.broadcast(I, xp[xo + 16 + p]).reinterpretAsShorts()));
                    a3 = a3.add(q3.mul(IntVector.broadcast(I, xp[xo + 24 + p]).reinterpretAsShorts()));
                }
                long sc = SCALES + 4L * u * G;
                IntVector v = a0.reinterpretAsInts();
                v = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16));
                sumi = sumi.add(v.mul((IntVector) ByteVector.fromMemorySegment(B_L, blk, sc, LE).convertShape(VectorOperators.B2I, I, 0)));
                v = a1.reinterpretAsInts();
                v = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16));
                sumi = sumi.add(v.mul((IntVector) ByteVector.fromMemorySegment(B_L, blk, sc + G, LE).convertShape(VectorOperators.B2I, I, 0)));
                v = a2.reinterpretAsInts();
                v = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16));
                sumi = sumi.add(v.mul((IntVector) ByteVector.fromMemorySegment(B_L, blk, sc + 2L * G, LE).convertShape(VectorOperators.B2I, I, 0)));
                v = a3.reinterpretAsInts();
                v = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16));
                sumi = sumi.add(v.mul((IntVector) ByteVector.fromMemorySegment(B_L, blk, sc + 3L * G, LE).convertShape(VectorOperators.B2I, I, 0)));
            }
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(F, blk, 0, LE).mul(ks[b]), acc);
        }
        acc.intoArray(out, outOff);
    }

    @Override
    public void dequantize(MemorySegment data, long off, int cols, float[] tile) {
        long pairBytes = 2L * G, bb = blockBytes();
        for (int b = 0; b < cols / QK_K; b++) {
            long o = off + b * bb;
            FloatVector d = FloatVector.fromMemorySegment(F, data, o, LE);
            for (int u = 0; u < 4; u++) {
                long sc = o + SCALES + 4L * u * G;
                FloatVector s0 = d.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, sc, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector s1 = d.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, sc + G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector s2 = d.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, sc + 2L * G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector s3 = d.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, sc + 3L * G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector s0Lo = s0.rearrange(PackedRows.LOWER_ROWS), s0Hi = s0.rearrange(PackedRows.UPPER_ROWS);
                FloatVector s1Lo = s1.rearrange(PackedRows.LOWER_ROWS), s1Hi = s1.rearrange(PackedRows.UPPER_ROWS);
                FloatVector s2Lo = s2.rearrange(PackedRows.LOWER_ROWS), s2Hi = s2.rearrange(PackedRows.UPPER_ROWS);
                FloatVector s3Lo = s3.rearrange(PackedRows.LOWER_ROWS), s3Hi = s3.rearrange(PackedRows.UPPER_ROWS);
                long lq = o + LOW + u * 16 * pairBytes, hq = o + HIGH + u * 8 * pairBytes;
                for (int p = 0; p < 8; p++) {
                    ByteVector n0 = ByteVector.fromMemorySegment(B_S, data, lq + 2 * p * pairBytes, LE);
                    ByteVector n1 = ByteVector.fromMemorySegment(B_S, data, lq + (2 * p + 1) * pairBytes, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B_S, data, hq + p * pairBytes, LE);
                    ByteVector q0 = n0.and((byte) 0xF).or(h.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30)).sub((byte) 32);
                    ByteVector q1 = n0.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30)).sub((byte) 32);
                    ByteVector q2 = n1.and((byte) 0xF).or(h.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q3 = n1.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
                    int e = (128 * b + 32 * u + p) * 2 * G; // sub-block 4u+i starts 8i column pairs further
                    ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).mul(s0Lo).intoArray(tile, e);
                    ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 1)).mul(s0Hi).intoArray(tile, e + G);
                    ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(s1Lo).intoArray(tile, e + 16 * G);
                    ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 1)).mul(s1Hi).intoArray(tile, e + 17 * G);
                    ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 0)).mul(s2Lo).intoArray(tile, e + 32 * G);
                    ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 1)).mul(s2Hi).intoArray(tile, e + 33 * G);
                    ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 0)).mul(s3Lo).intoArray(tile, e + 48 * G);
                    ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 1)).mul(s3Hi).intoArray(tile, e + 49 * G);
                }
            }
        }
    }
}
