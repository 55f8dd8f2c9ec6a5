package dev.bgl.tokenizer;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tokenizer.json over the size limit is refused before it is read (no JSON tree of a huge file on the heap). */
class TokenizerJsonSizeTest {
    @TempDir
    Path dir;

    @Test
    void hugeTokenizerJsonIsRefusedBeforeReading() throws IOException {
        Path p = dir.resolve("tokenizer.json");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(HfTokenizerJson.MAX_JSON_BYTES + 1); // sparse: costs no disk
            raf.write("{\"model\":".getBytes());
        }
        BglException e = assertThrows(BglException.class, () -> Tokenizer.fromTokenizerJson(p));
        assertTrue(e.getMessage().contains("tokenizer.json: is 268435457 bytes, over the limit of 268435456"), e.getMessage());
    }
}
