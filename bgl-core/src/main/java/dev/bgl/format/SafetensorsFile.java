package dev.bgl.format;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An open safetensors file: its header, with the whole file memory-mapped through the FFM API so
 * that tensor data is read in place (files over 2 GB work; nothing but the JSON header is copied
 * onto the heap). Close it to unmap.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Map<String, SafetensorsTensorInfo> tensors;
    private final Map<String, String> metadata;
    private final long dataOffset;
    private final MappedFile mapped;

    private SafetensorsFile(Path path, SafetensorsParser.Parsed p, MappedFile mapped) {
        this.path = path;
        this.tensors = p.tensors();
        this.metadata = p.metadata();
        this.dataOffset = p.dataOffset();
        this.mapped = mapped;
    }

    /** Opens and validates a safetensors file; every problem is a {@link FormatException} naming the file. */
    public static SafetensorsFile open(Path path) {
        if (Files.isDirectory(path)) throw new FormatException(path, "is a directory, not a safetensors file");
        return MappedFile.open(path, m -> {
            long size = m.size();
            if (size < 8) throw new FormatException(path, "truncated file: " + size + " bytes, too short for the 8-byte header length");
            SafetensorsParser.Parsed p = new SafetensorsParser(path, m.segment()).parse();
            return new SafetensorsFile(path, p, m);
        });
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, SafetensorsTensorInfo> tensors() {
        return tensors;
    }

    /** The free-form string map under {@code __metadata__} (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Where the data buffer starts: 8 + header length. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return mapped.size();
    }

    /** The tensor named {@code name}, or a clear error naming the file and the tensor. */
    public SafetensorsTensorInfo tensor(String name) {
        return mapped.tensor(tensors, name);
    }

    /** The bytes of a tensor, in place in the mapping. */
    public MemorySegment data(SafetensorsTensorInfo t) {
        return mapped.slice(dataOffset + t.begin(), t.byteSize());
    }

    public MemorySegment data(String name) {
        return data(tensor(name));
    }

    @Override
    public void close() {
        mapped.close();
    }
}
