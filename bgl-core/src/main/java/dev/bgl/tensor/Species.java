package dev.bgl.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the kernels use, fixed once from the machine's preferred width (AVX-512: 16
 * float lanes; AVX2: 8; NEON/SSE: 4). They are static finals so that the JIT sees constants and
 * turns the Vector API calls into plain SIMD instructions. Running the JVM with
 * {@code -XX:MaxVectorSize=16} or {@code 32} selects the narrower shapes (the tests do this).
 */
final class Species {
    private Species() {
    }

    /**
     * Float lanes. Capped at 512 bits: the quantised kernels walk a 32-element block in whole
     * vectors, and wider shapes (SVE 1024/2048) would overrun a block.
     */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    /** Int lanes of the same shape as {@link #F}. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int L = F.length();
    /** Shorts with as many lanes as {@link #F} (half its width): F16/BF16 rows widen from it. */
    static final VectorSpecies<Short> S_HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    // Q8_0 rows: int8 products are formed in 16-bit lanes at full width (2L of them), then
    // adjacent pairs are summed into L int lanes. Seen as an int, a lane holding products lo (low
    // half) and hi is hi·2^16 + (lo mod 2^16), so (v + (v << 16)) >> 16 = hi + lo exactly while
    // |hi + lo| < 2^15 (every product here is at most 128·127): two shifts and an add per vector,
    // one shift fewer than sign-extending each half. (The kernels spell such steps out inline: a
    // vector crossing a method boundary the JIT does not inline is boxed, 100x slower.)
    /** Shorts at full width: 2L lanes. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    static final int SL = S.length();
    /** Bytes that sign-extend into {@link #S}: 2L lanes at half width (never under 64 bits, since 2L ≥ 8). */
    static final VectorSpecies<Byte> B_S = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    // Q4_0 rows: the 16 bytes of a block hold 32 nibbles; they are unpacked W4 bytes at a time into
    // W4 short lanes (low and high nibbles separately), W4 = max(8, L) so the byte vector is at
    // least 64 bits. The pair sums give W4/2 int and float lanes.
    static final int W4 = Math.max(8, L);
    static final VectorSpecies<Byte> Q4_B = VectorSpecies.of(byte.class, VectorShape.forBitSize(W4 * 8));
    static final VectorSpecies<Short> Q4_S = VectorSpecies.of(short.class, VectorShape.forBitSize(W4 * 16));
    static final VectorSpecies<Integer> Q4_I = VectorSpecies.of(int.class, VectorShape.forBitSize(W4 * 16));
    static final VectorSpecies<Float> Q4_F = VectorSpecies.of(float.class, VectorShape.forBitSize(W4 * 16));

    /** Bytes with one lane per float lane (L ≥ 8): per-row scales of {@link PackedRows} groups widen from it. */
    static final VectorSpecies<Byte> B_L = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

    /** Longs of the same shape as {@link #F}: one long broadcast fills the float lanes with an alternating pair. */
    static final VectorSpecies<Long> LG = VectorSpecies.of(long.class, F.vectorShape());

    static String describe() {
        return F + ", Q8_0 " + B_S + "->" + S + ", Q4_0 " + Q4_B + "->" + Q4_S;
    }
}
