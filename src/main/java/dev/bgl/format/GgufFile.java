package dev.bgl.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    private final Arena arena;
    private final MemorySegment mapped;

    GgufFile(Path path, int version, Map<String, GgufValue> metadata, Map<String, GgufTensorInfo> tensors,
             long dataOffset, int alignment, Arena arena, MemorySegment mapped) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataOffset = dataOffset;
        this.alignment = alignment;
        this.arena = arena;
        this.mapped = mapped;
    }

    /** Opens and validates a GGUF file; every problem is reported as a {@link FormatException} naming the file. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            GgufParser.Parsed p = new GgufParser(path, seg).parse();
            return new GgufFile(path, p.version(), p.metadata(), p.tensors(), p.dataOffset(), p.alignment(), arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new FormatException(path, "no such file");
        } catch (IOException e) {
            arena.close();
            throw new FormatException(path, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
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
        return mapped.byteSize();
    }

    /** The tensor named {@code name}, or a clear error naming the file and the missing tensor. */
    public GgufTensorInfo tensor(String name) {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) throw new FormatException(path, "missing tensor '" + name + "'");
        return t;
    }

    /** The bytes of a tensor, in place in the mapping. */
    public MemorySegment data(GgufTensorInfo t) {
        return mapped.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    public MemorySegment data(String name) {
        return data(tensor(name));
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
