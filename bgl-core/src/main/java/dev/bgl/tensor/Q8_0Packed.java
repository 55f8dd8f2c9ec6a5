package dev.bgl.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.bgl.tensor.PackedRows.G;
import static dev.bgl.tensor.Species.B_S;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.B_L;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.LG;
import static dev.bgl.tensor.Species.S;
import static dev.bgl.tensor.Species.S_HALF;

/**
 * Q8_0 in groups of G rows. Per block of 32 columns: the G row scales as F16 (2G bytes), then 16
 * column pairs of 2G bytes, byte 2r+e of pair p being row r's quant of column 2p+e: 34G bytes,
 * the size of the source. The scales are widened to floats in vector lanes (bit arithmetic, exact
 * for every finite F16 value, see {@link #REBIAS}): keeping them as floats would add 6% to the
 * largest weights we pack. A matrix with an infinite or NaN scale is not packed ({@link #exactFor}).
 */
final class Q8_0Packed implements PackedKernel {
    static final Q8_0Packed INSTANCE = new Q8_0Packed();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Blocks read through one slice (when the row's block count is a multiple of it). */
    private static final int SPAN = 8;
    /** A half's sign, exponent and mantissa after the sign-extended half is shifted left 13 bits: a float's fields. */
    private static final int HALF_BITS = 0x8FFFE000;
    /**
     * A float holding a finite half's fields ({@link #HALF_BITS}) is the half's value times 2^-112
     * (the exponent is biased by 15, not 127), subnormal halves included, exactly; times 2^112 it is
     * the value. The products fold that factor into the activation's scale: d·2^-112 · (xs·2^112)
     * is the same product as d · xs, rounded once (xs, through F16, is at most 65504, so xs·2^112
     * is finite). Four lane operations a block where the widening that also carried Inf and NaN
     * took eleven: on AVX2 the single-sequence product ran 1.6x faster in cache and 1.25x from
     * memory for it (2,048 and 65,536 rows of 1,024, one thread), a whole decode step 1-6%
     * (docs/results/engine/README.md). Inf and NaN halves would come out finite: a matrix
     * holding one is left unpacked ({@link #exactFor}).
     */
    private static final float REBIAS = 0x1p112f;

    /**
     * Blocks per slice: SPAN when it divides the row, else 4, else 1. The slices are not
     * scalar-replaced: on qwen3moe's small expert matrices (576 products a decode step) taking
     * one per 4 blocks was a tenth of decode time in JFR.
     */
    private static int span(int blocks) {
        return blocks % SPAN == 0 ? SPAN : blocks % 4 == 0 ? 4 : 1;
    }

    private Q8_0Packed() {
    }

    @Override
    public int blockCols() {
        return 32;
    }

    @Override
    public long blockBytes() {
        return 34L * G;
    }

    /** Whether every scale is finite: the kernels widen only finite halves exactly ({@link #REBIAS}). */
    @Override
    public boolean exactFor(MemorySegment packed) {
        long bb = blockBytes();
        for (long o = 0; o + bb <= packed.byteSize(); o += bb)
            for (int r = 0; r < G; r++)
                if ((packed.get(F16Kernel.I16, o + 2L * r) & 0x7C00) == 0x7C00) return false;
        return true;
    }

    @Override
    public void packRow(byte[] source, int r, byte[] packed) {
        packed[2 * r] = source[0];
        packed[2 * r + 1] = source[1];
        for (int c = 0; c < 32; c++) packed[2 * G + (c / 2) * 2 * G + 2 * r + (c & 1)] = source[2 + c];
    }

    /**
     * Two column pairs at a time: their 16-bit products (|w·x| ≤ 128·127) are added in 16 bits,
     * then each int lane's two halves are sign-extended and summed (row r's share of 4 columns).
     * Written out in one method: a vector crossing a call the JIT does not inline is boxed.
     */
    @Override
    public void matvec(MemorySegment data, long off, int cols, Activations x, float[] out, int outOff) {
        int[] xp = x.pairs;
        float[] xs = x.scale;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc = FloatVector.zero(F);
        int blocks = cols / 32, span = span(blocks);
        for (int b0 = 0; b0 < blocks; b0 += span) {
            // one slice per SPAN blocks: constant offsets within it let C2 fold most bounds checks,
            // and a slice per block cost about a tenth of decode time (JFR)
            MemorySegment blk = data.asSlice(off + b0 * bb, span * bb);
            for (int j = 0; j < span; j++) {
                int b = b0 + j;
                long q = j * bb + 2L * G;
                int xo = 16 * b;
                IntVector s = IntVector.zero(I);
                for (int p = 0; p < 16; p += 2) {
                    ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, q + p * pairBytes, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B_S, blk, q + (p + 1) * pairBytes, LE).convertShape(VectorOperators.B2S, S, 0);
                    IntVector v = w0.mul(IntVector.broadcast(I, xp[xo + p]).reinterpretAsShorts())
                            .add(w1.mul(IntVector.broadcast(I, xp[xo + p + 1]).reinterpretAsShorts())).reinterpretAsInts();
                    s = s.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(v.lanewise(VectorOperators.ASHR, 16));
                }
                // the G scales' bits in a float's fields (see REBIAS), 2^112 folded into the activation's scale
                FloatVector d = ((IntVector) ShortVector.fromMemorySegment(S_HALF, blk, j * bb, LE).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats();
                acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[b] * REBIAS), acc);
            }
        }
        acc.intoArray(out, outOff);
    }

    @Override
    public boolean pairsGroups() {
        return true;
    }

    /**
     * {@link #matvec} for two groups in one loop: each step reads a column pair of both, and the
     * activations' broadcasts serve both. The same integer sums and float operations per group as
     * matvec: bitwise its results. On the AVX2 host (one thread) a group at a time streamed the
     * weights from memory at 10.3-11.3 GB/s and two groups 12.5-15.7; the dense 0.6B Q8_0 file
     * decoded 24.1-25.4 tok/s against 19.4-20.5, qwen3moe Q8_0 20.5-23.2 against 18.5-18.7
     * (docs/results/engine/README.md). Written out on purpose: the same loop with its loads and
     * scales in small helper methods compiled to a kernel that gained nothing in decode.
     */
    @Override
    public void matvecTwo(MemorySegment data, long offA, long offB, int cols, Activations x, float[] out, int outA, int outB) {
        int[] xp = x.pairs;
        float[] xs = x.scale;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector accA = FloatVector.zero(F), accB = accA;
        int blocks = cols / 32, span = span(blocks);
        for (int b0 = 0; b0 < blocks; b0 += span) {
            MemorySegment ba = data.asSlice(offA + b0 * bb, span * bb), bk = data.asSlice(offB + b0 * bb, span * bb); // as in matvec
            for (int j = 0; j < span; j++) {
                int b = b0 + j;
                long q = j * bb + 2L * G;
                int xo = 16 * b;
                IntVector sA = IntVector.zero(I), sB = sA;
                for (int p = 0; p < 16; p += 2) {
                    ShortVector x0 = IntVector.broadcast(I, xp[xo + p]).reinterpretAsShorts(), x1 = IntVector.broadcast(I, xp[xo + p + 1]).reinterpretAsShorts();
                    long o0 = q + p * pairBytes, o1 = o0 + pairBytes;
                    ShortVector a0 = (ShortVector) ByteVector.fromMemorySegment(B_S, ba, o0, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector a1 = (ShortVector) ByteVector.fromMemorySegment(B_S, ba, o1, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector c0 = (ShortVector) ByteVector.fromMemorySegment(B_S, bk, o0, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector c1 = (ShortVector) ByteVector.fromMemorySegment(B_S, bk, o1, LE).convertShape(VectorOperators.B2S, S, 0);
                    IntVector va = a0.mul(x0).add(a1.mul(x1)).reinterpretAsInts();
                    IntVector vb = c0.mul(x0).add(c1.mul(x1)).reinterpretAsInts();
                    sA = sA.add(va.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(va.lanewise(VectorOperators.ASHR, 16));
                    sB = sB.add(vb.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(vb.lanewise(VectorOperators.ASHR, 16));
                }
                float xsb = xs[b] * REBIAS;
                FloatVector dA = ((IntVector) ShortVector.fromMemorySegment(S_HALF, ba, j * bb, LE).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats();
                FloatVector dB = ((IntVector) ShortVector.fromMemorySegment(S_HALF, bk, j * bb, LE).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats();
                accA = ((FloatVector) sA.convert(VectorOperators.I2F, 0)).fma(dA.mul(xsb), accA);
                accB = ((FloatVector) sB.convert(VectorOperators.I2F, 0)).fma(dB.mul(xsb), accB);
            }
        }
        accA.intoArray(out, outA);
        accB.intoArray(out, outB);
    }

    /**
     * Lane indexes into two vectors of a column pair's products (rows 0..G/2 and G/2..G, columns
     * interleaved): the even lanes (column 2p) and the odd ones (2p+1) of row 0, 1, .. G-1.
     */
    private static final FloatVector EVEN = pairLanes(0), ODD = pairLanes(1);

    private static FloatVector pairLanes(int e) {
        float[] idx = new float[G];
        for (int r = 0; r < G; r++) idx[r] = 2 * r + e;
        return FloatVector.fromArray(F, idx, 0);
    }

    /**
     * Four activations per weight read. The integer block sums are formed in float lanes instead
     * of 16-bit ones: each weight vector is widened to floats once and multiplied by each
     * activation's column pair (one long broadcast), so an activation costs two FMAs per column
     * pair and no 16-to-32-bit splitting. The sums stay exact integers (|w·x| ≤ 128·127, 32 of
     * them ≤ 520192 < 2^24), so each equals the int sum {@link #matvec} converts, and the
     * accumulation {@code acc = sum · (d · xs[b]) + acc} is the same float operations: the results
     * are bitwise matvec's. A sum of exact products is never −0 (x + (−x) rounds to +0), as the
     * converted int is not.
     */
    @Override
    public void matvec4(MemorySegment data, long off, int cols, Activations x0, Activations x1, Activations x2, Activations x3,
                        float[] out, int outOff, int outStride) {
        long[] f0 = x0.floatPairs, f1 = x1.floatPairs, f2 = x2.floatPairs, f3 = x3.floatPairs;
        float[] xs0 = x0.scale, xs1 = x1.scale, xs2 = x2.scale, xs3 = x3.scale;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int blocks = cols / 32, span = span(blocks);
        for (int b0 = 0; b0 < blocks; b0 += span) {
            MemorySegment blk = data.asSlice(off + b0 * bb, span * bb); // as in matvec: one slice per SPAN blocks
            for (int j = 0; j < span; j++) {
                int b = b0 + j;
                long q = j * bb + 2L * G;
                int xo = 16 * b;
                // lo: rows 0..G/2 (lane 2r+e: column 2p+e), hi: rows G/2..G
                FloatVector lo0 = FloatVector.zero(F), hi0 = lo0, lo1 = lo0, hi1 = lo0, lo2 = lo0, hi2 = lo0, lo3 = lo0, hi3 = lo0;
                // two column pairs a step: a one-pair body is small enough that C2 unrolls the loop
                // four times and, with AVX2's 16 vector registers, loads the unrolled weights first,
                // spills the accumulators and widens each weight vector again for every activation
                // (disassembly); a two-pair body is not unrolled (BatchDecodeBench, 4 sequences, AVX2:
                // 21 -> 12.6 ms per token)
                for (int p = 0; p < 16; p += 2) {
                    long at = q + p * pairBytes;
                    FloatVector wl = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at, LE).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector wh = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at + G, LE).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector v = LongVector.broadcast(LG, f0[xo + p]).reinterpretAsFloats();
                    lo0 = wl.fma(v, lo0);
                    hi0 = wh.fma(v, hi0);
                    v = LongVector.broadcast(LG, f1[xo + p]).reinterpretAsFloats();
                    lo1 = wl.fma(v, lo1);
                    hi1 = wh.fma(v, hi1);
                    v = LongVector.broadcast(LG, f2[xo + p]).reinterpretAsFloats();
                    lo2 = wl.fma(v, lo2);
                    hi2 = wh.fma(v, hi2);
                    v = LongVector.broadcast(LG, f3[xo + p]).reinterpretAsFloats();
                    lo3 = wl.fma(v, lo3);
                    hi3 = wh.fma(v, hi3);
                    at = q + (p + 1) * pairBytes;
                    wl = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at, LE).convertShape(VectorOperators.B2F, F, 0);
                    wh = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at + G, LE).convertShape(VectorOperators.B2F, F, 0);
                    v = LongVector.broadcast(LG, f0[xo + p + 1]).reinterpretAsFloats();
                    lo0 = wl.fma(v, lo0);
                    hi0 = wh.fma(v, hi0);
                    v = LongVector.broadcast(LG, f1[xo + p + 1]).reinterpretAsFloats();
                    lo1 = wl.fma(v, lo1);
                    hi1 = wh.fma(v, hi1);
                    v = LongVector.broadcast(LG, f2[xo + p + 1]).reinterpretAsFloats();
                    lo2 = wl.fma(v, lo2);
                    hi2 = wh.fma(v, hi2);
                    v = LongVector.broadcast(LG, f3[xo + p + 1]).reinterpretAsFloats();
                    lo3 = wl.fma(v, lo3);
                    hi3 = wh.fma(v, hi3);
                }
                // the G scales as in matvec
                FloatVector d = ((IntVector) ShortVector.fromMemorySegment(S_HALF, blk, j * bb, LE).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats();
                acc0 = EVEN.selectFrom(lo0, hi0).add(ODD.selectFrom(lo0, hi0)).fma(d.mul(xs0[b] * REBIAS), acc0);
                acc1 = EVEN.selectFrom(lo1, hi1).add(ODD.selectFrom(lo1, hi1)).fma(d.mul(xs1[b] * REBIAS), acc1);
                acc2 = EVEN.selectFrom(lo2, hi2).add(ODD.selectFrom(lo2, hi2)).fma(d.mul(xs2[b] * REBIAS), acc2);
                acc3 = EVEN.selectFrom(lo3, hi3).add(ODD.selectFrom(lo3, hi3)).fma(d.mul(xs3[b] * REBIAS), acc3);
            }
        }
        acc0.intoArray(out, outOff);
        acc1.intoArray(out, outOff + outStride);
        acc2.intoArray(out, outOff + 2 * outStride);
        acc3.intoArray(out, outOff + 3 * outStride);
    }

    /**
     * {@link #matvec4} for eight activations: the weight vectors are widened once for all eight
     * (about 15% less time per activation than matvec4 on AVX-512, where the FMAs, two per column
     * pair and activation, are what is left). 16 + 8 accumulators fit the 32 vector registers.
     */
    @Override
    public void matvec8(MemorySegment data, long off, int cols, Activations[] x, int first, float[] out, int outOff, int outStride) {
        long[] f0 = x[first + 0].floatPairs, f1 = x[first + 1].floatPairs, f2 = x[first + 2].floatPairs, f3 = x[first + 3].floatPairs, f4 = x[first + 4].floatPairs, f5 = x[first + 5].floatPairs, f6 = x[first + 6].floatPairs, f7 = x[first + 7].floatPairs;
        float[] xs0 = x[first + 0].scale, xs1 = x[first + 1].scale, xs2 = x[first + 2].scale, xs3 = x[first + 3].scale, xs4 = x[first + 4].scale, xs5 = x[first + 5].scale, xs6 = x[first + 6].scale, xs7 = x[first + 7].scale;
        long pairBytes = 2L * G, bb = blockBytes();
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
        int blocks = cols / 32, span = span(blocks);
        for (int b0 = 0; b0 < blocks; b0 += span) {
            MemorySegment blk = data.asSlice(off + b0 * bb, span * bb);
            for (int j = 0; j < span; j++) {
                int b = b0 + j;
                long q = j * bb + 2L * G;
                int xo = 16 * b;
                FloatVector lo0 = FloatVector.zero(F), hi0 = lo0, lo1 = lo0, hi1 = lo0, lo2 = lo0, hi2 = lo0, lo3 = lo0, hi3 = lo0, lo4 = lo0, hi4 = lo0, lo5 = lo0, hi5 = lo0, lo6 = lo0, hi6 = lo0, lo7 = lo0, hi7 = lo0;
                for (int p = 0; p < 16; p += 2) { // two column pairs a step, as matvec4 (8 sequences, AVX2: 14.5 -> 13.0-13.9 ms)
                    long at = q + p * pairBytes;
                    FloatVector wl = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at, LE).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector wh = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at + G, LE).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector v;
                    v = LongVector.broadcast(LG, f0[xo + p]).reinterpretAsFloats();
                    lo0 = wl.fma(v, lo0);
                    hi0 = wh.fma(v, hi0);
                    v = LongVector.broadcast(LG, f1[xo + p]).reinterpretAsFloats();
                    lo1 = wl.fma(v, lo1);
                    hi1 = wh.fma(v, hi1);
                    v = LongVector.broadcast(LG, f2[xo + p]).reinterpretAsFloats();
                    lo2 = wl.fma(v, lo2);
                    hi2 = wh.fma(v, hi2);
                    v = LongVector.broadcast(LG, f3[xo + p]).reinterpretAsFloats();
                    lo3 = wl.fma(v, lo3);
                    hi3 = wh.fma(v, hi3);
                    v = LongVector.broadcast(LG, f4[xo + p]).reinterpretAsFloats();
                    lo4 = wl.fma(v, lo4);
                    hi4 = wh.fma(v, hi4);
                    v = LongVector.broadcast(LG, f5[xo + p]).reinterpretAsFloats();
                    lo5 = wl.fma(v, lo5);
                    hi5 = wh.fma(v, hi5);
                    v = LongVector.broadcast(LG, f6[xo + p]).reinterpretAsFloats();
                    lo6 = wl.fma(v, lo6);
                    hi6 = wh.fma(v, hi6);
                    v = LongVector.broadcast(LG, f7[xo + p]).reinterpretAsFloats();
                    lo7 = wl.fma(v, lo7);
                    hi7 = wh.fma(v, hi7);
                    at = q + (p + 1) * pairBytes;
                    wl = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at, LE).convertShape(VectorOperators.B2F, F, 0);
                    wh = (FloatVector) ByteVector.fromMemorySegment(B_L, blk, at + G, LE).convertShape(VectorOperators.B2F, F, 0);
                    v = LongVector.broadcast(LG, f0[xo + p + 1]).reinterpretAsFloats();
                    lo0 = wl.fma(v, lo0);
                    hi0 = wh.fma(v, hi0);
                    v = LongVector.broadcast(LG, f1[xo + p + 1]).reinterpretAsFloats();
                    lo1 = wl.fma(v, lo1);
                    hi1 = wh.fma(v, hi1);
                    v = LongVector.broadcast(LG, f2[xo + p + 1]).reinterpretAsFloats();
                    lo2 = wl.fma(v, lo2);
                    hi2 = wh.fma(v, hi2);
                    v = LongVector.broadcast(LG, f3[xo + p + 1]).reinterpretAsFloats();
                    lo3 = wl.fma(v, lo3);
                    hi3 = wh.fma(v, hi3);
                    v = LongVector.broadcast(LG, f4[xo + p + 1]).reinterpretAsFloats();
                    lo4 = wl.fma(v, lo4);
                    hi4 = wh.fma(v, hi4);
                    v = LongVector.broadcast(LG, f5[xo + p + 1]).reinterpretAsFloats();
                    lo5 = wl.fma(v, lo5);
                    hi5 = wh.fma(v, hi5);
                    v = LongVector.broadcast(LG, f6[xo + p + 1]).reinterpretAsFloats();
                    lo6 = wl.fma(v, lo6);
                    hi6 = wh.fma(v, hi6);
                    v = LongVector.broadcast(LG, f7[xo + p + 1]).reinterpretAsFloats();
                    lo7 = wl.fma(v, lo7);
                    hi7 = wh.fma(v, hi7);
                }
                FloatVector d = ((IntVector) ShortVector.fromMemorySegment(S_HALF, blk, j * bb, LE).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats();
                acc0 = EVEN.selectFrom(lo0, hi0).add(ODD.selectFrom(lo0, hi0)).fma(d.mul(xs0[b] * REBIAS), acc0);
                acc1 = EVEN.selectFrom(lo1, hi1).add(ODD.selectFrom(lo1, hi1)).fma(d.mul(xs1[b] * REBIAS), acc1);
                acc2 = EVEN.selectFrom(lo2, hi2).add(ODD.selectFrom(lo2, hi2)).fma(d.mul(xs2[b] * REBIAS), acc2);
                acc3 = EVEN.selectFrom(lo3, hi3).add(ODD.selectFrom(lo3, hi3)).fma(d.mul(xs3[b] * REBIAS), acc3);
                acc4 = EVEN.selectFrom(lo4, hi4).add(ODD.selectFrom(lo4, hi4)).fma(d.mul(xs4[b] * REBIAS), acc4);
                acc5 = EVEN.selectFrom(lo5, hi5).add(ODD.selectFrom(lo5, hi5)).fma(d.mul(xs5[b] * REBIAS), acc5);
                acc6 = EVEN.selectFrom(lo6, hi6).add(ODD.selectFrom(lo6, hi6)).fma(d.mul(xs6[b] * REBIAS), acc6);
                acc7 = EVEN.selectFrom(lo7, hi7).add(ODD.selectFrom(lo7, hi7)).fma(d.mul(xs7[b] * REBIAS), acc7);
            }
        }
        acc0.intoArray(out, outOff + 0 * outStride);
        acc1.intoArray(out, outOff + 1 * outStride);
        acc2.intoArray(out, outOff + 2 * outStride);
        acc3.intoArray(out, outOff + 3 * outStride);
        acc4.intoArray(out, outOff + 4 * outStride);
        acc5.intoArray(out, outOff + 5 * outStride);
        acc6.intoArray(out, outOff + 6 * outStride);
        acc7.intoArray(out, outOff + 7 * outStride);
    }

    @Override
    public void dequantize(MemorySegment data, long off, int cols, float[] tile) {
        long pairBytes = 2L * G, bb = blockBytes();
        for (int b = 0; b < cols / 32; b++) {
            long o = off + b * bb, q = o + 2L * G;
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(S_HALF, data, o, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(REBIAS); // exact: see REBIAS
            FloatVector dLo = d.rearrange(PackedRows.LOWER_ROWS), dHi = d.rearrange(PackedRows.UPPER_ROWS);
            for (int p = 0; p < 16; p++) {
                ByteVector w = ByteVector.fromMemorySegment(B_S, data, q + p * pairBytes, LE);
                int t = (16 * b + p) * 2 * G;
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 0)).mul(dLo).intoArray(tile, t);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 1)).mul(dHi).intoArray(tile, t + G);
            }
        }
    }
}
