package dev.bgl.model;

import dev.bgl.util.BglException;

import java.util.Locale;

/**
 * How the KV cache stores keys and values, as llama.cpp's {@code --cache-type-k/-v}. F16 halves
 * the cache (llama.cpp's default) at a rounding of about 1e-3 relative per element; F32 keeps the
 * full values, for conformance checks or when memory is plentiful; Q8_0 stores ggml's Q8_0 blocks
 * (32 int8 quants and an F16 scale: 34 bytes for 32 elements, about half of F16) and so doubles
 * the context a memory budget holds; Q4_0 stores ggml's Q4_0 blocks (18 bytes for 32 elements).
 */
public enum KvCacheType {
    F16(1, 2), F32(1, 4), Q8_0(32, 34), Q4_0(32, 18);

    private final int blockElements, blockBytes;

    KvCacheType(int blockElements, int blockBytes) {
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
    }

    /** Elements per block: 1 for the float types, 32 for Q8_0 (a row's length must be a multiple). */
    public int blockElements() {
        return blockElements;
    }

    /** Bytes a row of {@code elements} takes: whole blocks, each with its scale. */
    public long rowBytes(int elements) {
        return (long) (elements + blockElements - 1) / blockElements * blockBytes;
    }

    /** "f16", "f32" or "q8_0", as the command line spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "f16", "f32", "q8_0" or "q4_0", any case. */
    public static KvCacheType parse(String s) {
        return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
            case "f16" -> F16;
            case "f32" -> F32;
            case "q8_0" -> Q8_0;
            case "q4_0" -> Q4_0;
            default -> throw new BglException("KV cache type must be f16, f32, q8_0 or q4_0, got '" + s + "'");
        };
    }
}
