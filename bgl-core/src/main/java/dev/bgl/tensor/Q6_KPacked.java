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
 * each) in quads 4u..4u+3: per quad and column pair p, three 2G-byte vectors side by side (byte
 * 2r+e: row r, column 2p+e). The first holds sub-block 4u's level in its low six bits and the
 * top two bits of 4u+2's in its high two; the second the same for 4u+1 and 4u+3; the third the
 * low nibbles of 4u+2 (low) and 4u+3 (high). 212G bytes for the source's 210G.
 *
 * <p>Two of the four levels are then one mask away, and the other two need only shifts C2
 * emits with an immediate: 14 vector operations a step where the source's split (low nibbles
 * of two sub-blocks in a byte, the four top-bit pairs in another) took 20. On the AVX2 host, one
 * thread, the product ran at 14.0-15.1 GB/s in cache against 12.4-12.9 with that split, and
 * dense Q4_K_M decode gained 4-6% (docs/results/engine/README.md).
 *
 * <p>The three vectors of a step lie next to each other so that the product reads the block as
 * one sequential stream: with the top bits in a region of their own (two streams) the same
 * kernel ran at half the speed on matrices larger than the cache (prefetching).
 */
final class Q6_KPacked implements PackedKernel {
    static final Q6_KPacked INSTANCE = new Q6_KPacked();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final long SCALES = 4L * G, LEVELS = 20L * G, STEP = 6L * G;

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
                int at = (int) (LEVELS + (u * 8 + p) * STEP) + lane;
                packed[at] = (byte) (q0 | (q2 >> 4) << 6);
                packed[at + 2 * G] = (byte) (q1 | (q3 >> 4) << 6);
                packed[at + 4 * G] = (byte) ((q2 & 0xF) | (q3 & 0xF) << 4);
            }
    }

    /** The 6-bit level (0..63) of element e of a source block, as {@link Q6_KKernel#level} reads it from a segment. */
    private static int level(byte[] block, int e) {
        int h = e / 128, quarter = e % 128 / 32, l = e % 32;
        int ql = block[64 * h + l + (quarter % 2) * 32] & 0xff, qh = block[128 + 32 * h + l] & 0xff;
        return (quarter < 2 ? ql & 0xF : ql >> 4) | (qh >> (2 * quarter) & 3) << 4;
    }

    /**
     * Per quad of sub-blocks, 8 column pairs of level × int8 products are summed in 16 bits from
     * −32 × the activations ({@link Activations#q6Offset16}), which is Σ (level − 32) × quant
     * (|·| ≤ 8·32·127 = 32512) without a subtraction per level; then split into int lanes and
     * multiplied by the rows' scales.
     */
    @Override
    public void matvec(MemorySegment data, long off, int cols, Activations x, float[] out, int outOff) {
        int[] xp = x.pairs, off16 = x.q6Offset16;
        float[] ks = x.kScale;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / QK_K; b++) {
            MemorySegment blk = data.asSlice(off + b * bb, bb); // constant offsets within a slice: C2 folds most bounds checks
            IntVector sumi = IntVector.zero(I);
            for (int u = 0; u < 4; u++) {
                // each sum starts at -32 x its activations, so the levels need no -32 each: the 16-bit
                // additions may wrap on the way, but the final sum of (level - 32) x quant fits
                int so = 16 * b + 4 * u;
                ShortVector a0 = IntVector.broadcast(I, off16[so]).reinterpretAsShorts(), a1 = IntVector.broadcast(I, off16[so + 1]).reinterpretAsShorts();
                ShortVector a2 = IntVector.broadcast(I, off16[so + 2]).reinterpretAsShorts(), a3 = IntVector.broadcast(I, off16[so + 3]).reinterpretAsShorts();
                long lq = LEVELS + u * 8 * STEP;
                int xo = 128 * b + 32 * u;
                for (int p = 0; p < 8; p++) {
                    long at = lq + p * STEP;
                    ShortVector a = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at + pairBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at + 2 * pairBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    // shifts of int lanes: C2 shifts them by an immediate, short lanes only by a count it
                    // moves into a register before every shift (two more instructions each on AVX2); each
                    // mask that follows drops what crosses from the neighbouring short
                    ShortVector q0 = a.and((short) 0x3F), q1 = c.and((short) 0x3F);
                    ShortVector q2 = n.and((short) 0xF).or(a.reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsShorts().and((short) 0x30));
                    ShortVector q3 = n.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsShorts().and((short) 0xF)
                            .or(c.reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsShorts().and((short) 0x30));
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

    /**
     * {@link #matvec} for four activations, two at a time ({@link #matvec2}): with four, the 16
     * sums of 16 bits, the levels and the broadcasts outgrow the vector registers and the spills
     * cost more than the shared unpacking saves (2048×1024 in cache, one thread, µs per
     * activation: four at once 36.8 against matvec's 42.9, two at a time 28.9 against 39.4).
     */
    @Override
    public void matvec4(MemorySegment data, long off, int cols, Activations x0, Activations x1, Activations x2, Activations x3,
                        float[] out, int outOff, int outStride) {
        matvec2(data, off, cols, x0, x1, out, outOff, outStride);
        matvec2(data, off, cols, x2, x3, out, outOff + 2 * outStride, outStride);
    }

    /**
     * {@link #matvec} for two activations: each step's three weight vectors are loaded, widened
     * and assembled into the four sub-blocks' levels once for both, then multiplied into each
     * activation's own 16-bit sums. The integer arithmetic of each activation is matvec's (the
     * same sums, exact), and so is its float accumulation: the results are bitwise matvec's.
     */
    private void matvec2(MemorySegment data, long off, int cols, Activations x0, Activations x1, float[] out, int outOff, int outStride) {
        int[] xp0 = x0.pairs, xp1 = x1.pairs;
        int[] o0 = x0.q6Offset16, o1 = x1.q6Offset16;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < cols / QK_K; b++) {
            MemorySegment blk = data.asSlice(off + b * bb, bb);
            IntVector sumi0 = IntVector.zero(I), sumi1 = sumi0;
            for (int u = 0; u < 4; u++) {
                int so = 16 * b + 4 * u;
                ShortVector a00 = IntVector.broadcast(I, o0[so]).reinterpretAsShorts(), a01 = IntVector.broadcast(I, o0[so + 1]).reinterpretAsShorts();
                ShortVector a02 = IntVector.broadcast(I, o0[so + 2]).reinterpretAsShorts(), a03 = IntVector.broadcast(I, o0[so + 3]).reinterpretAsShorts();
                ShortVector a10 = IntVector.broadcast(I, o1[so]).reinterpretAsShorts(), a11 = IntVector.broadcast(I, o1[so + 1]).reinterpretAsShorts();
                ShortVector a12 = IntVector.broadcast(I, o1[so + 2]).reinterpretAsShorts(), a13 = IntVector.broadcast(I, o1[so + 3]).reinterpretAsShorts();
                long lq = LEVELS + u * 8 * STEP;
                int xo = 128 * b + 32 * u;
                for (int p = 0; p < 8; p++) {
                    long at = lq + p * STEP;
                    ShortVector a = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at + pairBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, at + 2 * pairBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    // as in matvec
                    ShortVector q0 = a.and((short) 0x3F), q1 = c.and((short) 0x3F);
                    ShortVector q2 = n.and((short) 0xF).or(a.reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsShorts().and((short) 0x30));
                    ShortVector q3 = n.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsShorts().and((short) 0xF)
                            .or(c.reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsShorts().and((short) 0x30));
                    a00 = a00.add(q0.mul(IntVector.broadcast(I, xp0[xo + p]).reinterpretAsShorts()));
                    a01 = a01.add(q1.mul(IntVector.broadcast(I, xp0[xo + 8 + p]).reinterpretAsShorts()));
                    a02 = a02.add(q2.mul(IntVector.broadcast(I, xp0[xo + 16 + p]).reinterpretAsShorts()));
                    a03 = a03.add(q3.mul(IntVector.broadcast(I, xp0[xo + 24 + p]).reinterpretAsShorts()));
                    a10 = a10.add(q0.mul(IntVector.broadcast(I, xp1[xo + p]).reinterpretAsShorts()));
                    a11 = a11.add(q1.mul(IntVector.broadcast(I, xp1[xo + 8 + p]).reinterpretAsShorts()));
                    a12 = a12.add(q2.mul(IntVector.broadcast(I, xp1[xo + 16 + p]).reinterpretAsShorts()));
                    a13 = a13.add(q3.mul(IntVector.broadcast(I, xp1[xo + 24 + p]).reinterpretAsShorts()));
                }
                long sc = SCALES + 4L * u * G;
                IntVector s0 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, sc, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector s1 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, sc + G, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector s2 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, sc + 2L * G, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector s3 = (IntVector) ByteVector.fromMemorySegment(B_L, blk, sc + 3L * G, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector v;
                v = a00.reinterpretAsInts();
                sumi0 = sumi0.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s0));
                v = a01.reinterpretAsInts();
                sumi0 = sumi0.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s1));
                v = a02.reinterpretAsInts();
                sumi0 = sumi0.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s2));
                v = a03.reinterpretAsInts();
                sumi0 = sumi0.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s3));
                v = a10.reinterpretAsInts();
                sumi1 = sumi1.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s0));
                v = a11.reinterpretAsInts();
                sumi1 = sumi1.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s1));
                v = a12.reinterpretAsInts();
                sumi1 = sumi1.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s2));
                v = a13.reinterpretAsInts();
                sumi1 = sumi1.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16)).mul(s3));
            }
            FloatVector d = FloatVector.fromMemorySegment(F, blk, 0, LE);
            acc0 = ((FloatVector) sumi0.convert(VectorOperators.I2F, 0)).fma(d.mul(x0.kScale[b]), acc0);
            acc1 = ((FloatVector) sumi1.convert(VectorOperators.I2F, 0)).fma(d.mul(x1.kScale[b]), acc1);
        }
        acc0.intoArray(out, outOff);
        acc1.intoArray(out, outOff + outStride);
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
                long lq = o + LEVELS + u * 8 * STEP;
                for (int p = 0; p < 8; p++) {
                    long at = lq + p * STEP;
                    ByteVector a = ByteVector.fromMemorySegment(B_S, data, at, LE);
                    ByteVector c = ByteVector.fromMemorySegment(B_S, data, at + pairBytes, LE);
                    ByteVector n = ByteVector.fromMemorySegment(B_S, data, at + 2 * pairBytes, LE);
                    ByteVector q0 = a.and((byte) 0x3F).sub((byte) 32);
                    ByteVector q1 = c.and((byte) 0x3F).sub((byte) 32);
                    ByteVector q2 = n.and((byte) 0xF).or(a.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
                    ByteVector q3 = n.lanewise(VectorOperators.LSHR, 4).or(c.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
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
