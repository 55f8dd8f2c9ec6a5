package dev.bgl.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sizes read from an untrusted file are checked against the file's real size and sane limits
 * before anything is allocated: each of these small files claims something huge and must be refused
 * at once (a giant allocation would OOM or take seconds; the preemptive timeout is only a guard
 * against a hang) with a message naming the field.
 */
class UntrustedSizesTest {
    @TempDir
    Path dir;

    private static final int STRING = 8, ARRAY = 9, UINT8 = 0, UINT32 = 4;

    /** A GGUF v3 header writer: little-endian fields in a 100-byte buffer (padded with zeros). */
    private static final class Gguf {
        final ByteBuffer b = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN);

        Gguf(long tensors, long kvs) {
            b.putInt(GgufFile.MAGIC).putInt(3).putLong(tensors).putLong(kvs);
        }

        Gguf str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            b.putLong(u.length).put(u);
            return this;
        }

        byte[] bytes() {
            return b.array();
        }
    }

    private String refused(byte[] file) throws IOException {
        Path p = dir.resolve("claim.gguf");
        Files.write(p, file);
        return assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(FormatException.class, () -> GgufFile.open(p).close()).getMessage());
    }

    private static void contains(String message, String... parts) {
        for (String part : parts) assertTrue(message.contains(part), () -> "'" + part + "' not in: " + message);
    }

    @Test
    void hundredByteFileClaiming2To40Tensors() throws IOException {
        contains(refused(new Gguf(1L << 40, 0).bytes()), "claim.gguf", "tensor count is 1099511627776", "need at least 24 bytes each, but only 84 bytes are left in the file");
    }

    @Test
    void metadataCountBeyondTheFile() throws IOException {
        contains(refused(new Gguf(0, 1L << 50).bytes()), "metadata count is 1125899906842624");
        contains(refused(new Gguf(0, -1).bytes()), "metadata count is 18446744073709551615");
    }

    @Test
    void stringClaiming2To62Bytes() throws IOException {
        Gguf g = new Gguf(0, 1);
        g.b.putLong(1L << 62);
        contains(refused(g.bytes()), "string length 4611686018427387904 is not sane", "metadata entry 0");
        Gguf v = new Gguf(0, 1).str("k");
        v.b.putInt(STRING).putLong(1L << 29); // within the sanity cap, far beyond the file
        contains(refused(v.bytes()), "truncated file", "metadata 'k'", "needs 536870912 bytes");
    }

    @Test
    void arrayOf2To60Elements() throws IOException {
        Gguf g = new Gguf(0, 1).str("tokenizer.ggml.scores");
        g.b.putInt(ARRAY).putInt(UINT8).putLong(1L << 60);
        contains(refused(g.bytes()), "metadata 'tokenizer.ggml.scores' array length is 1152921504606846976", "need at least 1 byte each, but only 31 bytes are left");
        Gguf s = new Gguf(0, 1).str("tokenizer.ggml.tokens");
        s.b.putInt(ARRAY).putInt(STRING).putLong(1L << 60);
        contains(refused(s.bytes()), "array length is 1152921504606846976");
        Gguf nested = new Gguf(0, 1).str("a");
        nested.b.putInt(ARRAY).putInt(ARRAY).putLong(1).putInt(UINT32).putLong(1L << 60);
        contains(refused(nested.bytes()), "array length is 1152921504606846976");
    }

    /** Fits in the file, but as long[] it would take 8 times the file's bytes: capped. */
    @Test
    void arrayOverTheElementCapInABigSparseFile() throws IOException {
        Gguf g = new Gguf(0, 1).str("a");
        g.b.putInt(ARRAY).putInt(UINT8).putLong(GgufParser.MAX_ARRAY + 1);
        Path p = dir.resolve("sparse.gguf");
        try (var raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(GgufParser.MAX_ARRAY + 1000); // sparse: costs no disk
            raf.write(g.bytes());
        }
        String m = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(FormatException.class, () -> GgufFile.open(p).close()).getMessage());
        contains(m, "metadata 'a' array has 16777217 elements, more than the limit of 16777216");
    }

    @Test
    void tensorWhoseDataRunsPastTheFile() throws IOException {
        Gguf g = new Gguf(1, 0).str("w");
        g.b.putInt(1).putLong(64).putInt(0 /* F32 */).putLong(0); // 256 bytes of data in a 100-byte file
        contains(refused(g.bytes()), "tensor 'w' lies beyond the end of the file: its 256 bytes at data offset 0", "the file has 100 bytes");
        Gguf at62 = new Gguf(1, 0).str("w");
        at62.b.putInt(1).putLong(8).putInt(0).putLong(1L << 62); // 32 bytes at 2^62: every integer printed exactly
        contains(refused(at62.bytes()), "its 32 bytes at data offset 4611686018427387904", "end at byte " + ((1L << 62) + 64 + 32));
        Gguf far = new Gguf(1, 0).str("w");
        far.b.putInt(1).putLong(1).putInt(0).putLong(Long.MAX_VALUE / 32 * 32); // aligned, near 2^63
        contains(refused(far.bytes()), "tensor 'w'");
    }

    @Test
    void dimsWhoseProductOverflowsLong() throws IOException {
        Gguf g = new Gguf(1, 0).str("w");
        g.b.putInt(4).putLong(1L << 20).putLong(1L << 20).putLong(1L << 20).putLong(1L << 20).putInt(0).putLong(0);
        contains(refused(g.bytes()), "tensor 'w' has too many elements");
        Gguf neg = new Gguf(1, 0).str("w");
        neg.b.putInt(2).putLong(4).putLong(-1).putInt(0).putLong(0);
        contains(refused(neg.bytes()), "tensor 'w' has dimension 1 = -1");
        Gguf bytesOverflow = new Gguf(1, 0).str("w"); // elements fit in a long, their F32 bytes do not
        bytesOverflow.b.putInt(2).putLong(1L << 31).putLong(1L << 31).putInt(0).putLong(0);
        contains(refused(bytesOverflow.bytes()), "tensor 'w'");
    }

    @Test
    void safetensorsHeaderClaiming2To62Bytes() throws IOException {
        Path p = dir.resolve("claim.safetensors");
        ByteBuffer b = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62).put("{}".getBytes(StandardCharsets.UTF_8));
        Files.write(p, b.array());
        String m = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close()).getMessage());
        contains(m, "claim.safetensors", "header length 4611686018427387904 is larger than the 92 bytes after it");
    }

    @Test
    void safetensorsShapeAndOffsetsBeyondLong() throws IOException {
        Path p = dir.resolve("shape.safetensors");
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}";
        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
        Files.write(p, ByteBuffer.allocate(8 + hb.length + 16).order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length).put(hb).array());
        contains(assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close()).getMessage(), "tensor 'w'", "too many elements");
        String h2 = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,18446744073709551616]}}";
        byte[] hb2 = h2.getBytes(StandardCharsets.UTF_8);
        Files.write(p, ByteBuffer.allocate(8 + hb2.length + 16).order(ByteOrder.LITTLE_ENDIAN).putLong(hb2.length).put(hb2).array());
        contains(assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close()).getMessage(), "data_offsets[1]", "not an integer");
    }
}
