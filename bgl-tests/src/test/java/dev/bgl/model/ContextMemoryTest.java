package dev.bgl.model;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The KV memory a context needs, and the error for one that does not fit. */
class ContextMemoryTest {
    /** Qwen3-0.6B's shape: 28 layers, 8 KV heads of 128: 114,688 bytes per token in F16. */
    private static final ModelConfig QWEN3_06B = new ModelConfig(Architecture.QWEN3, 151936, 1024, 28, 16, 8, 128, 128, 3072,
            40960, 1e-6f, 1e6f, true);

    @Test
    void bytesPerContextAndType() {
        assertEquals(114_688L * 32768, ContextMemory.kvBytes(QWEN3_06B, 32768, KvCacheType.F16));
        assertEquals(2 * 114_688L * 32768, ContextMemory.kvBytes(QWEN3_06B, 32768, KvCacheType.F32));
        // Q8_0 counts whole blocks, 34 bytes per 32 elements: 28 layers x 2 x 32 blocks x 34 = 60,928 bytes a token
        assertEquals(60_928L * 32768, ContextMemory.kvBytes(QWEN3_06B, 32768, KvCacheType.Q8_0));
        assertEquals(32_256L * 32768, ContextMemory.kvBytes(QWEN3_06B, 32768, KvCacheType.Q4_0)); // 18 bytes per 32
        assertEquals("f16 3.76 GB, f32 7.52 GB, q8_0 2.00 GB, q4_0 1.06 GB", ContextMemory.perType(QWEN3_06B, 32768));
        assertEquals(1000, ContextMemory.largestContext(QWEN3_06B, KvCacheType.F16, 114_688L * 1000 + 5));
    }

    @Test
    void theDefaultContextIsTheModelsOwnWhereMemoryAllows() {
        assertEquals(40960, ContextMemory.defaultContext(QWEN3_06B, KvCacheType.F16, 8L << 30));
        // 1 GiB holds 9,362 tokens of F16 cache, 17,623 of Q8_0
        assertEquals(9362, ContextMemory.defaultContext(QWEN3_06B, KvCacheType.F16, 1L << 30));
        assertEquals(17623, ContextMemory.defaultContext(QWEN3_06B, KvCacheType.Q8_0, 1L << 30));
        // too little for 4096: the old default stays, and the context check says what is missing
        assertEquals(4096, ContextMemory.defaultContext(QWEN3_06B, KvCacheType.F16, 100L << 20));
        ModelConfig small = new ModelConfig(Architecture.QWEN3, 300, 64, 3, 4, 2, 16, 16, 96, 384, 1e-6f, 1e6f, false);
        assertEquals(384, ContextMemory.defaultContext(small, KvCacheType.F16, 100L << 20));
    }

    @Test
    void aContextThatDoesNotFitNamesContextTypeAndBytes() {
        ContextMemory.check(QWEN3_06B, 4096, KvCacheType.F16, 1L << 30); // 470 MB fits in 1 GiB
        var e = assertThrows(BglException.class, () -> ContextMemory.check(QWEN3_06B, 32768, KvCacheType.F32, 1L << 30));
        String m = e.getMessage();
        assertTrue(m.contains("a context of 32768 tokens needs 7.52 GB of KV cache with --kv-type f32"), m);
        assertTrue(m.contains("f16 3.76 GB"), m);
        assertTrue(m.contains("use --context 4681 or less"), m); // floor(2^30 / 229,376)
        var q8 = assertThrows(BglException.class, () -> ContextMemory.check(QWEN3_06B, 32768, KvCacheType.Q8_0, 1L << 30));
        assertTrue(q8.getMessage().contains("needs 2.00 GB of KV cache with --kv-type q8_0 (60.9 KB per token"), q8.getMessage());
        assertTrue(q8.getMessage().contains("use --context 17623 or less"), q8.getMessage()); // floor(2^30 / 60,928)
    }
}
