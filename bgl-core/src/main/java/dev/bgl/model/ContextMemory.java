package dev.bgl.model;

import dev.bgl.util.BglException;

import java.util.Locale;

/**
 * What a context costs in KV cache, per KV type, and whether it fits the heap, so that a context
 * too large is refused before anything is allocated with the numbers a user needs to pick another
 * (the cache grows in pages as it fills, so without this a long generation would run out of memory
 * thousands of tokens in).
 */
public final class ContextMemory {
    private ContextMemory() {
    }

    /** KV-cache bytes of a full context of {@code tokens} with elements of type {@code t} ({@link ModelConfig#kvBytes}). */
    public static long kvBytes(ModelConfig c, int tokens, KvCacheType t) {
        return c.kvBytes(t, tokens);
    }

    /** "f16 1.2 GB, f32 2.4 GB": a full context's KV cache under each type. */
    public static String perType(ModelConfig c, int tokens) {
        StringBuilder sb = new StringBuilder();
        for (KvCacheType t : KvCacheType.values()) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(t.label()).append(' ').append(bytes(kvBytes(c, tokens, t)));
        }
        return sb.toString();
    }

    /** The largest context whose KV cache of type {@code t} fits in {@code available} bytes. */
    public static long largestContext(ModelConfig c, KvCacheType t, long available) {
        return c.kvTokensWithin(t, available);
    }

    /**
     * The context a session gets unless told otherwise: the model's own (32k and more for Qwen3) as
     * far as {@code available} bytes hold its full KV cache of type {@code t}, else the largest that
     * fits; never under the model's own capped at 4096 (the earlier default), so that a heap too
     * small for even that gets {@link #check}'s error rather than a silently tiny context. The
     * cache grows in pages as it fills, so a long default costs nothing until it is used.
     */
    public static int defaultContext(ModelConfig c, KvCacheType t, long available) {
        int own = c.contextLength();
        return (int) Math.min(own, Math.max(largestContext(c, t, available), Math.min(own, 4096)));
    }

    /** Heap the JVM may still allocate: its limit less what is in use now. */
    public static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Refuses a context whose full KV cache of type {@code t} would not fit in {@code available} bytes. */
    public static void check(ModelConfig c, int context, KvCacheType t, long available) {
        long need = kvBytes(c, context, t);
        if (need <= available) return;
        throw new BglException(String.format(Locale.ROOT,
                "a context of %d tokens needs %s of KV cache with --kv-type %s (%s per token; %s), but only %s of heap is free:"
                        + " use --context %d or less, or raise the heap (BGL_JAVA_OPTS=-Xmx...)",
                context, bytes(need), t.label(), bytes(c.kvBytesPerToken(t)), perType(c, context),
                bytes(available), largestContext(c, t, available)));
    }

    static String bytes(double b) {
        if (b >= 1e9) return String.format(Locale.ROOT, "%.2f GB", b / 1e9);
        if (b >= 1e6) return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
        if (b >= 1e3) return String.format(Locale.ROOT, "%.1f KB", b / 1e3);
        return (long) b + " B";
    }
}
