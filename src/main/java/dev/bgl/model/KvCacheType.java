package dev.bgl.model;

import dev.bgl.util.BglException;

import java.util.Locale;

/**
 * How the KV cache stores keys and values. F16 halves the cache (llama.cpp's default) at a
 * rounding of about 1e-3 relative per element; F32 keeps the full values, for conformance
 * checks or when memory is plentiful.
 */
public enum KvCacheType {
    F16(2), F32(4);

    private final int bytes;

    KvCacheType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored element. */
    public int bytes() {
        return bytes;
    }

    /** "f16" or "f32", any case. */
    public static KvCacheType parse(String s) {
        return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
            case "f16" -> F16;
            case "f32" -> F32;
            default -> throw new BglException("KV cache type must be f16 or f32, got '" + s + "'");
        };
    }
}
