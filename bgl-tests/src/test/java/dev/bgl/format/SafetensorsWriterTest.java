package dev.bgl.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesWhatTheReaderReads() throws IOException {
        byte[] f16 = {0x00, 0x3c, 0x00, (byte) 0xc0, 0, 0}; // 1.0, -2.0, 0.0
        new SafetensorsWriter().metadata("format", "pt")
                .tensorF32("x.weight", new long[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6})
                .tensor("y", SafetensorsDtype.F16, new long[]{3}, f16)
                .write(dir.resolve("m.safetensors"));
        byte[] raw = Files.readAllBytes(dir.resolve("m.safetensors"));
        long headerLen = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        assertEquals(8 + headerLen + 24 + 6, raw.length);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("m.safetensors"))) {
            assertEquals(List.of("x.weight", "y"), List.copyOf(f.tensors().keySet()));
            assertEquals("pt", f.metadata().get("format"));
            assertArrayEquals(new long[]{2, 3}, f.tensor("x.weight").shape());
            float[] x = f.data("x.weight").toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, x);
            assertArrayEquals(f16, f.data("y").toArray(ValueLayout.JAVA_BYTE));
        }
        assertFalse(Files.exists(dir.resolve("m.safetensors.part")));
    }

    @Test
    void refusesWrongSizesAndDuplicates() {
        SafetensorsWriter w = new SafetensorsWriter().tensorF32("a", new long[]{2}, new float[]{1, 2});
        assertThrows(IllegalArgumentException.class, () -> w.tensorF32("a", new long[]{2}, new float[]{1, 2}));
        assertThrows(IllegalArgumentException.class, () -> w.tensorF32("b", new long[]{3}, new float[]{1, 2}));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("c", SafetensorsDtype.BF16, new long[]{-1}, new byte[0]));
    }

    @Test
    void producerWritingTheWrongCountFailsAndLeavesNoFile() {
        SafetensorsWriter w = new SafetensorsWriter().tensor("a", SafetensorsDtype.F32, new long[]{2}, out -> out.write(new byte[4]));
        assertThrows(IllegalStateException.class, () -> w.write(dir.resolve("a.safetensors")));
        assertFalse(Files.exists(dir.resolve("a.safetensors")));
        assertFalse(Files.exists(dir.resolve("a.safetensors.part")));
    }
}
