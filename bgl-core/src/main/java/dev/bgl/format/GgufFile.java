package dev.bgl.format;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * An open GGUF file: its metadata and tensor table, with the whole file memory-mapped through the
 * FFM API so that tensor data is read in place (files over 2 GB work; nothing is copied onto the
 * heap). Close it to unmap.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final int alignment;
    private final MappedFile mapped;

    private GgufFile(Path path, int version, Map<String, GgufValue> metadata, Map<String, GgufTensorInfo> tensors,
                     long dataOffset, int alignment, MappedFile mapped) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataOffset = dataOffset;
        this.alignment = alignment;
        this.mapped = mapped;
    }

    /** Opens and validates a GGUF file; every problem is reported as a {@link FormatException} naming the file. */
    public static GgufFile open(Path path) {
        return MappedFile.open(path, m -> {
            GgufParser.Parsed p = new GgufParser(path, m.segment()).parse();
            return new GgufFile(path, p.version(), p.metadata(), p.tensors(), p.dataOffset(), p.alignment(), m);
        });
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public GgufMetadata meta() {
        return new GgufMetadata(path, metadata);
    }

    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    public List<GgufTensorInfo> tensorList() {
        return List.copyOf(tensors.values());
    }

    public long dataOffset() {
        return dataOffset;
    }

    public int alignment() {
        return alignment;
    }

    public long fileSize() {
        return mapped.size();
    }

    /** The tensor named {@code name}, or a clear error naming the file and the missing tensor. */
    public GgufTensorInfo tensor(String name) {
        return mapped.tensor(tensors, name);
    }

    /** The bytes of a tensor, in place in the mapping. */
    public MemorySegment data(GgufTensorInfo t) {
        return mapped.slice(dataOffset + t.offset(), t.byteSize());
    }

    public MemorySegment data(String name) {
        return data(tensor(name));
    }

    @Override
    public void close() {
        mapped.close();
    }
}
