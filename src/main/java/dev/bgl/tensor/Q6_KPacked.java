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
 * the 16 int8 scales (16G, sub-block-major), then 128 column pairs of 2G bytes, byte 2r+e of pair
 * p being row r's level of column 2p+e less 32, as an int8 ({@link #slot}: pairs in the order the
 * product reads them): 276G bytes for the source's 210G.
 *
 * <p>Why whole bytes: decoding is compute-bound here, not memory-bound. Rebuilding a 6-bit level
 * from a nibble and two high bits took five vector operations per 32 products, more than the
 * product itself; a signed byte is one widening load. The price is 31% more bytes for the Q6_K
 * tensors (in a Q4_K_M file: the output matrix and some {@code ffn_down}).
 */
final class Q6_KPacked implements PackedKernel {
    static final Q6_KPacked INSTANCE = new Q6_KPacked();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final long SCALES = 4L * G, LEVELS = 20L * G;

    private Q6_KPacked() {
    }

    @Override
    public int blockCols() {
        return QK_K;
    }

    @Override
    public long blockBytes() {
        return 276L * G;
    }

    @Override
    public void packRow(byte[] source, int r, byte[] packed) {
        PackedKernel.putFloat(packed, 4 * r, PackedKernel.f16(source, 208));
        for (int s = 0; s < 16; s++) packed[(int) SCALES + s * G + r] = source[192 + s];
        for (int c = 0; c < QK_K; c++) packed[(int) LEVELS + slot(c / 2) * 2 * G + 2 * r + (c & 1)] = (byte) (level(source, c) - 32);
    }

    /**
     * Where column pair {@code pair} (0..127) of a super-block is stored: in the order the product
     * reads them, the same pair of four consecutive sub-blocks side by side (a sequential stream).
     */
    static int slot(int pair) {
        int sub = pair / 8, p = pair % 8;
        return (sub / 4) * 32 + p * 4 + sub % 4;
    }

    /** The 6-bit level (0..63) of element e of a source block, as {@link Q6_KKernel#level} reads it from a segment. */
    private static int level(byte[] block, int e) {
        int h = e / 128, quarter = e % 128 / 32, l = e % 32;
        int ql = block[64 * h + l + (quarter % 2) * 32] & 0xff, qh = block[128 + 32 * h + l] & 0xff;
        return (quarter < 2 ? ql & 0xF : ql >> 4) | (qh >> (2 * quarter) & 3) << 4;
    }

    /**
     * Per sub-block (16 columns, 8 column pairs) the (level − 32) × int8 products (|·| ≤ 32·127,
     * 8 per lane ≤ 32512) are summed in 16 bits, split into int lanes and multiplied by the rows'
     * scales; four sub-blocks at a time, for four independent chains.
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
                long lq = LEVELS + u * 32 * pairBytes;
                int xo = 128 * b + 32 * u;
                for (int p = 0; p < 8; p++) {
                    long at = lq + 4L * p * pairBytes;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at + pairBytes, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at + 2 * pairBytes, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q3 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at + 3 * pairBytes, LE).convertShape(VectorOperators.B2S, S, 0);
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
            for (int sb = 0; sb < 16; sb++) {
                FloatVector s = d.mul((FloatVector) ByteVector.fromMemorySegment(B_L, data, o + SCALES + (long) sb * G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector sLo = s.rearrange(PackedRows.LOWER_ROWS), sHi = s.rearrange(PackedRows.UPPER_ROWS);
                for (int p = 0; p < 8; p++) {
                    ByteVector q = ByteVector.fromMemorySegment(B_S, data, o + LEVELS + slot(8 * sb + p) * pairBytes, LE);
                    int e = (128 * b + 8 * sb + p) * 2 * G;
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(sLo).intoArray(tile, e);
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, 1)).mul(sHi).intoArray(tile, e + G);
                }
            }
        }
    }
}
