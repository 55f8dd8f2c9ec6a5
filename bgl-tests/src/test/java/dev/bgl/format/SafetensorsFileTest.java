package dev.bgl.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Reading hand-written safetensors files, and every corruption reported as a FormatException naming the problem. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** u64 LE header length, the header bytes as given, then the data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, data);
    }

    static byte[] file(long declaredLength, byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private FormatException refused(byte[] bytes) throws IOException {
        Path p = write("bad.safetensors", bytes);
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        return e;
    }

    private void refused(String header, int dataBytes, String... expectedParts) throws IOException {
        FormatException e = refused(file(header, new byte[dataBytes]));
        for (String part : expectedParts) assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
    }

    @Test
    void readsHandWrittenFile() throws IOException {
        // "a": F32 [2] = 1.5, -2; "b": BF16 [1, 2] = 1.0, 2.0 (0x3f80, 0x4000); header order b first, data order a first.
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2f).putShort((short) 0x3f80).putShort((short) 0x4000);
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
                + "\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ";
        Path p = write("ok.safetensors", file(header, data.array()));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("b", "a"), List.copyOf(f.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(8 + header.length(), f.dataOffset());
            SafetensorsTensorInfo a = f.tensor("a"), b = f.tensor("b");
            assertEquals(SafetensorsDtype.F32, a.dtype());
            assertArrayEquals(new long[]{2}, a.shape());
            assertEquals(1, a.rows());
            assertEquals(2, a.cols());
            assertEquals(SafetensorsDtype.BF16, b.dtype());
            assertEquals(GgmlType.BF16, b.dtype().ggml);
            assertArrayEquals(new long[]{1, 2}, b.shape());
            assertEquals(8, b.begin());
            assertEquals(12, b.end());
            assertEquals(1.5f, f.data(a).get(F32, 0));
            assertEquals(-2f, f.data(a).get(F32, 4));
            assertEquals((short) 0x4000, f.data("b").get(I16, 2));
            assertThrows(FormatException.class, () -> f.tensor("c"));
        }
    }

    @Test
    void emptyTensorListAndScalarAreValid() throws IOException {
        Path p = write("empty.safetensors", file("{}", new byte[0]));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertTrue(f.tensors().isEmpty());
        }
        Path q = write("scalar.safetensors", file("{\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},\"z\":{\"dtype\":\"F16\",\"shape\":[0,3],\"data_offsets\":[8,8]}}", new byte[8]));
        try (SafetensorsFile f = SafetensorsFile.open(q)) {
            assertEquals(1, f.tensor("s").elements());
            assertEquals(0, f.tensor("z").byteSize());
        }
    }

    @Test
    void truncatedFiles() throws IOException {
        assertTrue(refused(new byte[5]).getMessage().contains("truncated"));
        assertTrue(refused(new byte[0]).getMessage().contains("truncated"));
        // Header length larger than the file.
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        assertTrue(refused(file(1000, h, new byte[0])).getMessage().contains("header length 1000 is larger than the 2 bytes"));
        // A u64 length with the top bit set (negative as a Java long).
        assertTrue(refused(file(-1, h, new byte[0])).getMessage().contains("header length 18446744073709551615"));
        // A complete header whose data was cut off.
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        refused(header, 10, "tensor 'w'", "run past the 10-byte data buffer");
    }

    @Test
    void headerLengthOverTheCapIsRefusedBeforeReading() throws IOException {
        Path p = dir.resolve("huge.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(SafetensorsParser.MAX_HEADER + 1000); // sparse: costs no disk
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(SafetensorsParser.MAX_HEADER + 1).array());
        }
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    /** A 3 GiB tensor (sparse file, so no disk is used) is mapped and read at its far end: no int-sized limits. */
    @Test
    void filesOver2GbWork() throws IOException {
        long n = 3L << 28; // floats: 3 GiB
        String header = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + 4 * n + "]}}";
        byte[] h = file(header, new byte[0]);
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.write(h);
            raf.setLength(h.length + 4 * n);
            raf.seek(h.length + 4 * n - 4);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7.25f).array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(4 * n, f.tensor("big").byteSize());
            assertEquals(7.25f, f.data("big").get(F32, 4 * n - 4));
            assertEquals(0f, f.data("big").get(F32, 0));
        }
    }

    @Test
    void badJson() throws IOException {
        refused("{\"w\":{\"dtype\":\"F32\",", 0, "header is not valid JSON");
        refused("[1,2]", 0, "header is not a JSON object");
        refused("{} {}", 0, "header is not valid JSON");
        refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
                "header is not valid JSON", "Duplicate field 'w'");
        FormatException e = refused(file(4, new byte[]{'{', '"', (byte) 0xff, '}'}, new byte[0]));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void badEntries() throws IOException {
        refused("{\"w\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1, "tensor 'w'", "unknown dtype 'F4'");
        refused("{\"w\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'f32'");
        refused("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "tensor 'w'", "missing 'dtype'");
        refused("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "tensor 'w'", "missing 'shape'");
        refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "tensor 'w'", "missing 'data_offsets'");
        refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "tensor 'w'", "shape[0] is negative");
        refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "tensor 'w'", "shape[0] is 2.5, not an integer");
        refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, "tensor 'w'", "too many elements");
        refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "tensor 'w'", "end before begin");
        refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "tensor 'w'", "'data_offsets' is not an array [begin, end]");
        refused("{\"w\":[]}", 0, "tensor 'w'", "entry is not a JSON object");
        refused("{\"__metadata__\":{\"n\":3}}", 0, "__metadata__ entry 'n' is not a string");
    }

    @Test
    void shapeOffsetMismatch() throws IOException {
        refused("{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,8]}}", 8,
                "tensor 'w'", "shape [2,3] of F16 needs 12 bytes but data_offsets [0, 8] hold 8");
    }

    @Test
    void overlappingTensors() throws IOException {
        refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16,
                "tensors 'a' [0, 16) and 'b' [8, 16) overlap");
        // The same range named twice.
        refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
                "overlap");
    }

    @Test
    void outOfRangeGapsAndTrailingBytes() throws IOException {
        refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8, "tensor 'a'", "data_offsets [4, 12] run past the 8-byte data buffer");
        refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[18446744073709551615,4]}}", 8, "tensor 'a'", "data_offsets[0]");
        refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap of 4 bytes before tensor 'a'");
        refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "4 bytes in the data buffer after the last tensor");
    }

    @Test
    void notAFile() {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(dir.resolve("none.safetensors")));
        assertTrue(e.getMessage().contains("no such file"));
        e = assertThrows(FormatException.class, () -> SafetensorsFile.open(dir));
        assertTrue(e.getMessage().contains("is a directory"));
    }
}
