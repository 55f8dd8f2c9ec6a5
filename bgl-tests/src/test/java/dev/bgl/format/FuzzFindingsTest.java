package dev.bgl.format;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inputs the fuzzers found, kept as regression tests (see docs/security.md). */
class FuzzFindingsTest {
    /**
     * JSON that starts with zero bytes makes Jackson guess UTF-32 and throw CharConversionException, an
     * IOException rather than a JacksonException (found by the renderContext target). The header must
     * still be refused as bad JSON, not as an unreadable file.
     */
    @Test
    void utf32LookingHeaderIsBadJson() {
        byte[] header = "\0\0\0\0ssages\": [{\"role\": 1}]}".getBytes(StandardCharsets.UTF_8);
        byte[] file = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header).array();
        FormatException e = assertThrows(FormatException.class,
            () -> new SafetensorsParser(java.nio.file.Path.of("x.safetensors"), java.lang.foreign.MemorySegment.ofArray(file)).parse());
        assertTrue(e.getMessage().contains("x.safetensors: header is not valid JSON: Invalid UTF-32 character"), e.getMessage());
    }
}
