package dev.bgl.tensor;

import jdk.incubator.vector.ShortVector;

/**
 * Activations encoded once for many dot products: plain floats, floats rounded to F16 or BF16, or
 * Q8_0 blocks (one scale per 32 values, int8 quants) or Q8_K blocks (one per 256), as ggml encodes the right-hand side of its
 * matrix-vector products. Reused across steps so the decode loop does not allocate.
 */
public final class Activations {
    private final int capacity;
    final float[] f;       // F32 / F16 / BF16 (rounded) values
    final byte[] q;        // Q8_0 quants
    final short[] qs;      // the same quants widened to 16 bits, as the vector kernels multiply them
    final int[] pairs;     // quants 2i and 2i+1 as the low and high half of one int: PackedKernel broadcasts them
    final float[] scale;   // Q8_0 per-block scales (already rounded through F16)
    final int[] blockSum;  // Q8_0 per-block sum of quants (for types with offsets)
    final float[] q8_1Sum; // ggml's Q8_1 s = d·Σq per block, d unrounded, the result through F16: Q4_1/Q5_1's offset term
    final float[] kScale;  // Q8_K per-256 scales (plain float, as ggml keeps them)
    final int[] kSum16;    // Q8_K sums of each 16 quants (ggml's bsums): the K-quants' min terms use them
    final int[] q6Offset16; // per 16 quants, -32 x (sum of the even ones) and -32 x (sum of the odd ones) as the low and high half: Q6_KPacked's level offset
    long[] floatPairs;      // quants 2i and 2i+1 as floats, the low and high half of one long: see fillFloatPairs
    private boolean floatPairsFilled; // floatPairs are those of the last encode
    ActivationType type;
    int length;

    public Activations(int capacity) {
        this.capacity = capacity;
        this.f = new float[capacity];
        this.q = new byte[capacity];
        this.qs = new short[capacity];
        this.pairs = new int[(capacity + 1) / 2];
        this.scale = new float[(capacity + 31) / 32];
        this.blockSum = new int[(capacity + 31) / 32];
        this.q8_1Sum = new float[(capacity + 31) / 32];
        this.kScale = new float[(capacity + 255) / 256];
        this.kSum16 = new int[(capacity + 15) / 16];
        this.q6Offset16 = new int[(capacity + 15) / 16];
    }

    public int capacity() {
        return capacity;
    }

    public int length() {
        return length;
    }

    public ActivationType type() {
        return type;
    }

    /**
     * Writes the values this encoding stands for into {@link #f} as floats (quant × scale for
     * Q8_0/Q8_K; F32/F16/BF16 are there already) and returns that array: what a float kernel
     * multiplies to get the products the integer kernels form.
     */
    float[] decodeToFloats() {
        switch (type) {
            case Q8_0 -> {
                for (int i = 0; i < length; i++) f[i] = q[i] * scale[i >>> 5];
            }
            case Q8_K -> {
                for (int i = 0; i < length; i++) f[i] = q[i] * kScale[i >>> 8];
            }
            case F32, F16, BF16 -> {
            }
        }
        return f;
    }

    /**
     * Fills {@link #floatPairs} from the quants of the last {@link #encode} (Q8_0 or Q8_K): the
     * batched packed kernels ({@link PackedKernel#matvec4}) broadcast one long into float lanes
     * that alternate between columns 2i and 2i+1, as the packed column pairs do. Only the batched
     * decode needs them, so {@link #encode} leaves them to this call; allocated on first use.
     */
    long[] fillFloatPairs() {
        if (floatPairs == null) floatPairs = new long[(capacity + 1) / 2];
        for (int i = 0; i < length / 2; i++)
            floatPairs[i] = (Float.floatToRawIntBits(qs[2 * i]) & 0xFFFFFFFFL) | (long) Float.floatToRawIntBits(qs[2 * i + 1]) << 32;
        floatPairsFilled = true;
        return floatPairs;
    }

    /** {@link #floatPairs}, filled unless they are already those of the last encode (several products of one encoding). */
    long[] ensureFloatPairs() {
        return floatPairsFilled ? floatPairs : fillFloatPairs();
    }

    /** Encodes {@code x[off..off+n)} as {@code type}. */
    public Activations encode(ActivationType type, float[] x, int off, int n) {
        if (n > capacity) throw new IllegalArgumentException("activations: " + n + " > capacity " + capacity);
        this.type = type;
        this.length = n;
        this.floatPairsFilled = false;
        switch (type) {
            case F32 -> System.arraycopy(x, off, f, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) f[i] = Float.float16ToFloat(Float.floatToFloat16(x[off + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) f[i] = BF16Kernel.toFloat(BF16Kernel.fromFloat(x[off + i]));
            }
            case Q8_0 -> Q8_0Kernel.quantizeActivations(x, off, n, this);
            case Q8_K -> KQuants.quantizeActivationsQ8K(x, off, n, this);
        }
        if (type == ActivationType.Q8_0 || type == ActivationType.Q8_K) {
            // a pair is the two 16-bit quants as they lie in memory, little-endian: the shorts read as ints
            int i = 0;
            for (; 2 * i + Species.SL <= n; i += Species.SL / 2)
                ShortVector.fromArray(Species.S, qs, 2 * i).reinterpretAsInts().intoArray(pairs, i);
            for (; i < n / 2; i++) pairs[i] = (qs[2 * i] & 0xFFFF) | (qs[2 * i + 1] << 16);
        }
        if (type == ActivationType.Q8_K)
            for (int s = 0; s < n / 16; s++) {
                int even = 0, odd = 0; // |sum| <= 8 x 127, so -32 x sum fits in 16 bits
                for (int i = 0; i < 8; i++) {
                    even += qs[16 * s + 2 * i];
                    odd += qs[16 * s + 2 * i + 1];
                }
                q6Offset16[s] = (-32 * even & 0xFFFF) | (-32 * odd) << 16;
            }
        return this;
    }
}
