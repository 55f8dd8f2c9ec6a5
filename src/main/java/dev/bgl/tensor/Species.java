package dev.bgl.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
     * Float lanes. Capped at 512 bits: the quantised kernels walk a 32-element block in steps of
     * one int vector, and wider shapes (SVE 1024/2048) would overrun a block.
     */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    /** Int lanes of the same shape as {@link #F}. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? IntVector.SPECIES_512 : IntVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Shorts with as many lanes as {@link #F} (half its width): F16/BF16 rows widen into it. */
    static final VectorSpecies<Short> S_HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * Bytes that widen into {@link #I}: as many lanes as I, but never under 64 bits (the narrowest
     * shape), so with 4 int lanes one byte load covers {@link #PARTS} = 2 int vectors.
     */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, I.length() * 8)));
    static final int BL = B.length();
    static final int PARTS = BL / I.length();
    static String describe() {
        return F + " / " + I + " / bytes " + B + " x" + PARTS;
    }
}
