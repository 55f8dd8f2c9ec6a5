package dev.bgl.format;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files as the reference implementation does: tensors in insertion order, packed
 * back to back, the JSON header padded with spaces to a multiple of 8 bytes. Either one file, or
 * shards of bounded size plus {@code model.safetensors.index.json}. Each file appears atomically
 * (written beside the target, then moved into place).
 */
public final class SafetensorsWriter {

    /** Tensor bytes are produced when the file is written, so that large models need not sit on the heap. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Pending(String name, SafetensorsDtype dtype, long[] shape, long bytes, TensorBytes data) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Pending> tensors = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor; {@code shape} in PyTorch order (outermost first). */
    public SafetensorsWriter tensor(String name, SafetensorsDtype dtype, long[] shape, TensorBytes data) {
        if (name.equals(SafetensorsParser.METADATA_KEY)) throw new IllegalArgumentException("reserved tensor name " + name);
        if (tensors.containsKey(name)) throw new IllegalArgumentException("tensor " + name + " added twice");
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor " + name + ": negative dimension " + d);
            n = Math.multiplyExact(n, d);
        }
        tensors.put(name, new Pending(name, dtype, shape.clone(), Math.multiplyExact(n, (long) dtype.size), data));
        return this;
    }

    public SafetensorsWriter tensor(String name, SafetensorsDtype dtype, long[] shape, MemorySegment data) {
        checkSize(name, dtype, shape, data.byteSize());
        return tensor(name, dtype, shape, out -> {
            byte[] chunk = new byte[1 << 20];
            for (long off = 0; off < data.byteSize(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, data.byteSize() - off);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, chunk, 0, n);
                out.write(chunk, 0, n);
            }
        });
    }

    public SafetensorsWriter tensor(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {
        checkSize(name, dtype, shape, data.length);
        return tensor(name, dtype, shape, out -> out.write(data));
    }

    /** An F32 tensor from floats (row-major). */
    public SafetensorsWriter tensorF32(String name, long[] shape, float[] values) {
        ByteBuffer bb = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        return tensor(name, SafetensorsDtype.F32, shape, bb.array());
    }

    private static void checkSize(String name, SafetensorsDtype dtype, long[] shape, long given) {
        long n = dtype.size;
        for (long d : shape) n = Math.multiplyExact(n, d);
        if (n != given)
            throw new IllegalArgumentException("tensor " + name + ": " + given + " bytes given, " + n + " expected for " + dtype + " " + java.util.Arrays.toString(shape));
    }

    /** Writes all tensors into one file. */
    public void write(Path file) throws IOException {
        writeFile(file, new ArrayList<>(tensors.values()), metadata);
    }

    /**
     * Writes the tensors into shards {@code model-0000i-of-0000n.safetensors} of at most
     * {@code maxShardBytes} of data each (a larger tensor gets a shard of its own), then the index.
     * Returns the shard paths.
     */
    public List<Path> writeSharded(Path folder, long maxShardBytes) throws IOException {
        List<List<Pending>> groups = new ArrayList<>();
        List<Pending> cur = new ArrayList<>();
        long curBytes = 0;
        for (Pending p : tensors.values()) {
            if (!cur.isEmpty() && curBytes + p.bytes > maxShardBytes) {
                groups.add(cur);
                cur = new ArrayList<>();
                curBytes = 0;
            }
            cur.add(p);
            curBytes += p.bytes;
        }
        if (!cur.isEmpty() || groups.isEmpty()) groups.add(cur);

        Files.createDirectories(folder);
        ObjectNode index = SafetensorsParser.JSON.createObjectNode();
        long total = 0;
        for (Pending p : tensors.values()) total += p.bytes;
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
            writeFile(folder.resolve(name), groups.get(i), metadata);
            for (Pending p : groups.get(i)) weightMap.put(p.name, name);
            paths.add(folder.resolve(name));
        }
        byte[] json = SafetensorsParser.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index);
        AtomicFile.write(folder.resolve(SafetensorsIndex.FILE_NAME), out -> out.write(json));
        return paths;
    }

    private static void writeFile(Path file, List<Pending> list, Map<String, String> metadata) throws IOException {
        ObjectNode header = SafetensorsParser.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject(SafetensorsParser.METADATA_KEY);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Pending p : list) {
            ObjectNode t = header.putObject(p.name);
            t.put("dtype", p.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : p.shape) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + p.bytes);
            offset += p.bytes;
        }
        byte[] json = SafetensorsParser.JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        AtomicFile.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) out.write(' ');
            for (Pending p : list) {
                CountingOutputStream c = new CountingOutputStream(out);
                p.data.writeTo(c);
                if (c.count != p.bytes)
                    throw new IllegalStateException("tensor " + p.name + " wrote " + c.count + " bytes, expected " + p.bytes);
            }
        });
    }
}
