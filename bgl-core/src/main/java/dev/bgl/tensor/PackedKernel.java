package dev.bgl.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Decode kernels for weights re-laid out in groups of {@link PackedRows#GROUP} rows (see
 * {@link PackedRows}). A row-major quantised row has to be reduced to one number per row, and
 * without a widening multiply-add in the Vector API that reduction (pair sums, conversions, a
 * horizontal add) costs more than the products. With 16 rows interleaved, each lane of a vector
 * belongs to one row for the whole product: lane 2r+e of a 32-byte load holds row r, column 2p+e,
 * the activations of columns 2p and 2p+1 are broadcast as one int, and 16-bit products of the
 * same lane are summed over many columns before one split into int lanes. At the end the 16 row
 * sums sit in the 16 float lanes, in order: no horizontal reduction.
 *
 * <p>Bounds the kernels rely on: activations are Q8_0/Q8_K quants in −127..127, so a 16-bit lane
 * may hold up to 16 products of a 4-bit level (Q4_K), 8 of a signed 6-bit one (Q6_K), 2 of an
 * int8 (Q8_0) before it could overflow; the split into ints sign-extends each half.
 */
sealed interface PackedKernel permits Q8_0Packed, Q4_KPacked, Q6_KPacked, MXFP4Packed {

    /** Columns per block (32 or 256), and bytes of one group's block. */
    int blockCols();

    long blockBytes();

    /**
     * Writes group {@code g} of {@code src} (rows Gg..Gg+G) at {@code out[off..off + blockBytes·cols/blockCols)}.
     * Each block is staged in heap arrays: per-byte reads of the mapped source would dominate load time.
     */
    default void pack(Tensor src, int g, MemorySegment out, long off) {
        MemorySegment in = src.data();
        long rowBytes = src.rowBytes();
        int sourceBlock = (int) src.type().bytesFor(blockCols());
        byte[] block = new byte[sourceBlock], packed = new byte[(int) blockBytes()];
        for (int b = 0; b < src.cols() / blockCols(); b++) {
            for (int r = 0; r < PackedRows.G; r++) {
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, (long) (g * PackedRows.G + r) * rowBytes + (long) sourceBlock * b, block, 0, sourceBlock);
                packRow(block, r, packed);
            }
            MemorySegment.copy(packed, 0, out, ValueLayout.JAVA_BYTE, off + b * blockBytes(), packed.length);
        }
    }

    /**
     * Whether this kernel's products over {@code packed} (a whole packed copy) are exactly those of
     * the source type's: a copy for which they are not is dropped and the matrix keeps the row
     * kernels. Only Q8_0's can fail (a scale that is Inf or NaN, see {@code Q8_0Packed}).
     */
    default boolean exactFor(MemorySegment packed) {
        return true;
    }

    /** Writes row {@code r}'s share of one packed block from its source block (ggml's bytes). */
    void packRow(byte[] source, int r, byte[] packed);

    /** The F16 at {@code at} of a little-endian byte array, widened. */
    static float f16(byte[] a, int at) {
        return Float.float16ToFloat((short) ((a[at] & 0xff) | a[at + 1] << 8));
    }

    /** Stores {@code v} at {@code at} of a byte array, little-endian. */
    static void putFloat(byte[] a, int at, float v) {
        int bits = Float.floatToRawIntBits(v);
        for (int i = 0; i < 4; i++) a[at + i] = (byte) (bits >>> (8 * i));
    }

    /**
     * {@code out[outOff + r]} = row r of the group at {@code off} · x, for r < 16. Where
     * {@link #readsFloatPairs}, the caller has filled x's {@link Activations#fillFloatPairs} since its last encode.
     */
    void matvec(MemorySegment data, long off, int cols, Activations x, float[] out, int outOff);

    /**
     * Whether the single product should take two groups a call ({@link #matvecTwo}), the two
     * halves of a range side by side. Where a kernel streams one group's weights slower than a
     * core can read memory (AVX2's int8 products), a second independent stream of loads in the
     * same loop gives the core more reads in flight.
     */
    default boolean pairsGroups() {
        return false;
    }

    /**
     * {@link #matvec} for two groups of rows in one pass, the groups at {@code offA} and
     * {@code offB}, into {@code out[outA..outA + G)} and {@code out[outB..outB + G)}. Each result
     * is bitwise what {@link #matvec} gives for its group. By default two {@link #matvec} calls.
     */
    default void matvecTwo(MemorySegment data, long offA, long offB, int cols, Activations x, float[] out, int outA, int outB) {
        matvec(data, offA, cols, x, out, outA);
        matvec(data, offB, cols, x, out, outB);
    }

    /**
     * Whether {@link #matvec} multiplies in float lanes and reads the activations' float pairs:
     * they are filled once for the whole product instead of formed again for every group.
     */
    default boolean readsFloatPairs() {
        return false;
    }

    /**
     * {@link #matvec} for four activation vectors at once, reading and widening each weight vector
     * once for all four: {@code out[outOff + k·outStride + r]} = row r · x<i>k</i>. Each result is
     * bitwise what {@link #matvec} gives for that activation alone (the batched decode relies on
     * it): the integer block sums are exact whichever way they are formed, and each activation's
     * float accumulation takes the same operations in the same order. {@link Activations#fillFloatPairs}
     * must have been called on each activation since its last encode. By default four
     * {@link #matvec} calls.
     */
    default void matvec4(MemorySegment data, long off, int cols, Activations x0, Activations x1, Activations x2, Activations x3,
                         float[] out, int outOff, int outStride) {
        matvec(data, off, cols, x0, out, outOff);
        matvec(data, off, cols, x1, out, outOff + outStride);
        matvec(data, off, cols, x2, out, outOff + 2 * outStride);
        matvec(data, off, cols, x3, out, outOff + 3 * outStride);
    }

    /** {@link #matvec4} for the eight activations {@code x[first..first + 8)}. By default two matvec4 calls. */
    default void matvec8(MemorySegment data, long off, int cols, Activations[] x, int first, float[] out, int outOff, int outStride) {
        matvec4(data, off, cols, x[first], x[first + 1], x[first + 2], x[first + 3], out, outOff, outStride);
        matvec4(data, off, cols, x[first + 4], x[first + 5], x[first + 6], x[first + 7], out, outOff + 4 * outStride, outStride);
    }

    /**
     * The group's rows as floats in the packed order, {@code tile[(c/2)·2G + 2r + c%2]} = row r,
     * column c: the same values as the source type's {@link TypeKernel#dequantize} (same float
     * operations), laid out for {@link TileGemm}'s interleaved product.
     */
    void dequantize(MemorySegment data, long off, int cols, float[] tile);

    static PackedKernel of(dev.bgl.format.GgmlType type) {
        return switch (type) {
            case Q8_0 -> Q8_0Packed.INSTANCE;
            case Q4_K -> Q4_KPacked.INSTANCE;
            case Q6_K -> Q6_KPacked.INSTANCE;
            case MXFP4 -> MXFP4Packed.available() ? MXFP4Packed.INSTANCE : null; // its table lookup needs 16-lane vectors
            default -> null;
        };
    }
}
