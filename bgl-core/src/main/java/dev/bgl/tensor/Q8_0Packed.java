package dev.bgl.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.bgl.tensor.PackedRows.G;
import static dev.bgl.tensor.Species.B_S;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.S;
import static dev.bgl.tensor.Species.S_HALF;

/**
 * Q8_0 in groups of G rows. Per block of 32 columns: the G row scales as F16 (2G bytes), then 16
 * column pairs of 2G bytes, byte 2r+e of pair p being row r's quant of column 2p+e: 34G bytes,
 * the size of the source. The scales are widened to floats in vector lanes (bit arithmetic, exact
 * for every F16 value): keeping them as floats would add 6% to the largest weights we pack.
 */
final class Q8_0Packed implements PackedKernel {
    static final Q8_0Packed INSTANCE = new Q8_0Packed();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Blocks read through one slice (when the row's block count is a multiple of it). */
    private static final int SPAN = 4;

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
        int blocks = cols / 32, span = blocks % SPAN == 0 ? SPAN : 1;
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
                // the G scales, F16 to float: magnitude bits moved into place and rescaled by 2^112
                // (exact for normal and subnormal values), Inf/NaN kept, then the sign
                IntVector h = (IntVector) ShortVector.fromMemorySegment(S_HALF, blk, j * bb, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector mag = h.and(0x7FFF), shifted = mag.lanewise(VectorOperators.LSHL, 13);
                IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                        .blend(shifted.or(0x7F800000), mag.compare(VectorOperators.GE, 0x7C00));
                FloatVector d = bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[b]), acc);
            }
        }
        acc.intoArray(out, outOff);
    }

    @Override
    public void dequantize(MemorySegment data, long off, int cols, float[] tile) {
        long pairBytes = 2L * G, bb = blockBytes();
        for (int b = 0; b < cols / 32; b++) {
            long o = off + b * bb, q = o + 2L * G;
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S_HALF, data, o, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector mag = h.and(0x7FFF), shifted = mag.lanewise(VectorOperators.LSHL, 13); // F16 to float as in matvec
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(shifted.or(0x7F800000), mag.compare(VectorOperators.GE, 0x7C00));
            FloatVector d = bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
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
