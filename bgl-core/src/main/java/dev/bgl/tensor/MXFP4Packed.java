package dev.bgl.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.bgl.tensor.PackedRows.G;
import static dev.bgl.tensor.Species.B_L;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.LG;

/**
 * MXFP4 (gpt-oss's expert weights) in groups of G = 16 rows, still four bits a value. Per block of
 * 32 columns: the G rows' E8M0 exponents (G bytes), then 16 column pairs of G bytes each: byte k of
 * pair p holds, in its low nibble, lane k of the pair's lower half (row k/2, column 2p + k%2) and in
 * its high nibble lane k of the upper half (row G/2 + k/2): 17G bytes, the size of the source. A
 * pair is one 16-byte load, split into nibbles, looked up in the E2M1 table (one byte shuffle each:
 * the table's 16 entries fill a 16-byte vector, which is why this needs G = 16, AVX-512), widened to
 * floats and multiplied with the activation pair in the float lanes, as {@link Q8_0Packed#matvec4}
 * does. The row sums are exact integers (|level · quant| ≤ 12 · 127, 32 of them), so each block adds
 * sum · (d · d8) to its row as ggml's MXFP4 dot does.
 */
final class MXFP4Packed implements PackedKernel {
    static final MXFP4Packed INSTANCE = new MXFP4Packed();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Blocks read through one slice when the row's block count is a multiple of it. */
    private static final int SPAN = 8;
    /** The doubled E2M1 values, the lookup table of a 16-byte vector (G = 16 lanes). */
    private static final ByteVector TABLE = G == 16 ? ByteVector.fromArray(B_L, table(), 0) : null;
    /** Lanes of the lower and upper half of a column pair that hold column 2p and 2p+1 of row 0..G-1. */
    private static final FloatVector EVEN = pairLanes(0), ODD = pairLanes(1);

    private MXFP4Packed() {
    }

    /** Whether the machine's vectors hold the 16-entry table in one byte vector of G lanes. */
    static boolean available() {
        return TABLE != null;
    }

    private static byte[] table() {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) b[i] = (byte) MXFP4Kernel.VALUES[i];
        return b;
    }

    private static FloatVector pairLanes(int e) {
        float[] idx = new float[G];
        for (int r = 0; r < G; r++) idx[r] = 2 * r + e;
        return FloatVector.fromArray(F, idx, 0);
    }

    @Override
    public int blockCols() {
        return 32;
    }

    @Override
    public long blockBytes() {
        return 17L * G;
    }

    @Override
    public void packRow(byte[] source, int r, byte[] packed) {
        packed[r] = source[0];
        boolean upper = r >= G / 2;
        int lane0 = 2 * (upper ? r - G / 2 : r);
        for (int c = 0; c < 32; c++) {
            int code = c < 16 ? source[1 + c] & 0x0F : (source[1 + c - 16] >> 4) & 0x0F;
            int at = G + (c / 2) * G + lane0 + (c & 1);
            packed[at] = (byte) (upper ? (packed[at] & 0x0F) | code << 4 : (packed[at] & 0xF0) | code);
        }
    }

    /** 2^(e − 128) of G exponent bytes, as {@link MXFP4Kernel#halfScale} (e of 0 and 1: the subnormals). */
    private static FloatVector scales(MemorySegment blk, long at) {
        IntVector e = (IntVector) ByteVector.fromMemorySegment(B_L, blk, at, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector normal = e.sub(1).lanewise(VectorOperators.LSHL, 23);
        IntVector sub = IntVector.broadcast(I, 0x00200000).lanewise(VectorOperators.LSHL, e);
        return normal.blend(sub, e.compare(VectorOperators.LT, 2)).reinterpretAsFloats();
    }

    @Override
    public boolean readsFloatPairs() {
        return true;
    }

    /**
     * Per column pair: one 16-byte load, its low and high nibbles (the high ones shifted down in
     * 32-bit lanes, where x86 has the shift that bytes lack) looked up and widened to floats, and
     * multiplied with the pair's activations as one long of two floats ({@link Activations#floatPairs},
     * formed once per product: forming them here, for every group, was a third of the kernel's work).
     * One slice per {@link #SPAN} blocks, as in {@link Q8_0Packed}.
     */
    @Override
    public void matvec(MemorySegment data, long off, int cols, Activations x, float[] out, int outOff) {
        long[] fp = x.floatPairs;
        float[] xs = x.scale;
        long bb = blockBytes();
        FloatVector acc = FloatVector.zero(F);
        int blocks = cols / 32, span = blocks % SPAN == 0 ? SPAN : 1;
        for (int b0 = 0; b0 < blocks; b0 += span) {
            MemorySegment blk = data.asSlice(off + b0 * bb, span * bb);
            for (int j = 0; j < span; j++) {
                int b = b0 + j;
                long at = j * bb;
                FloatVector lo = FloatVector.zero(F), hi = lo;
                for (int p = 0; p < 16; p++) {
                    ByteVector w = ByteVector.fromMemorySegment(B_L, blk, at + G + (long) p * G, LE);
                    FloatVector wl = (FloatVector) w.and((byte) 0x0F).selectFrom(TABLE).convertShape(VectorOperators.B2F, F, 0);
                    ByteVector high = w.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                    FloatVector wh = (FloatVector) high.selectFrom(TABLE).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector v = LongVector.broadcast(LG, fp[16 * b + p]).reinterpretAsFloats();
                    lo = wl.fma(v, lo);
                    hi = wh.fma(v, hi);
                }
                acc = EVEN.selectFrom(lo, hi).add(ODD.selectFrom(lo, hi)).fma(scales(blk, at).mul(xs[b]), acc);
            }
        }
        acc.intoArray(out, outOff);
    }

    @Override
    public void dequantize(MemorySegment data, long off, int cols, float[] tile) {
        long bb = blockBytes();
        for (int b = 0; b < cols / 32; b++) {
            MemorySegment blk = data.asSlice(off + b * bb, bb);
            FloatVector d = scales(blk, 0);
            FloatVector dLo = d.rearrange(PackedRows.LOWER_ROWS), dHi = d.rearrange(PackedRows.UPPER_ROWS);
            for (int p = 0; p < 16; p++) {
                ByteVector w = ByteVector.fromMemorySegment(B_L, blk, G + (long) p * G, LE);
                int t = (16 * b + p) * 2 * G;
                ((FloatVector) w.and((byte) 0x0F).selectFrom(TABLE).convertShape(VectorOperators.B2F, F, 0)).mul(dLo).intoArray(tile, t);
                ((FloatVector) w.lanewise(VectorOperators.LSHR, 4).selectFrom(TABLE).convertShape(VectorOperators.B2F, F, 0)).mul(dHi).intoArray(tile, t + G);
            }
        }
    }
}
