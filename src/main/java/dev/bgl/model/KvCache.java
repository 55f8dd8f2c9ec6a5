package dev.bgl.model;

/**
 * Keys and values of every layer for the tokens a session has seen, position-major
 * ({@code k[layer][pos * kvDim + i]}). With {@code f16} the stored values are rounded through
 * half precision, as llama.cpp's default F16 cache stores them.
 */
public final class KvCache {
    final float[][] k;
    final float[][] v;
    final int capacity;
    final int kvDim;
    final int vDim;
    final boolean f16;
    int length;

    KvCache(ModelConfig c, int capacity, boolean f16) {
        this.capacity = capacity;
        this.kvDim = c.kvDim();
        this.vDim = c.vDim();
        this.f16 = f16;
        this.k = new float[c.layers()][Math.multiplyExact(capacity, kvDim)];
        this.v = new float[c.layers()][Math.multiplyExact(capacity, vDim)];
    }

    /** Tokens held. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Forgets everything from position {@code n} on (to rewind or reuse a prompt prefix). */
    public void truncate(int n) {
        if (n < 0 || n > length) throw new IllegalArgumentException("truncate to " + n + " of " + length);
        length = n;
    }

    /** Bytes the cache would take with this element size per value, for the tokens it holds. */
    public long bytesUsed() {
        return (long) length * k.length * (kvDim + vDim) * (f16 ? 2 : 4);
    }

    /** Bytes allocated. */
    public long bytesReserved() {
        return (long) capacity * k.length * (kvDim + vDim) * 4;
    }

    void store(float[][] dst, int layer, int pos, float[] src, int srcOff, int n) {
        int base = pos * n;
        float[] d = dst[layer];
        if (f16) {
            for (int i = 0; i < n; i++) d[base + i] = Float.float16ToFloat(Float.floatToFloat16(src[srcOff + i]));
        } else {
            System.arraycopy(src, srcOff, d, base, n);
        }
    }
}
