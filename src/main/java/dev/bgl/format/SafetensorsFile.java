package dev.bgl.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    private final Arena arena;
    private final MemorySegment mapped;

    private SafetensorsFile(Path path, SafetensorsParser.Parsed p, Arena arena, MemorySegment mapped) {
        this.path = path;
        this.tensors = p.tensors();
        this.metadata = p.metadata();
        this.dataOffset = p.dataOffset();
        this.arena = arena;
        this.mapped = mapped;
    }

    /** Opens and validates a safetensors file; every problem is a {@link FormatException} naming the file. */
    public static SafetensorsFile open(Path path) {
        if (Files.isDirectory(path)) throw new FormatException(path, "is a directory, not a safetensors file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new FormatException(path, "truncated file: " + size + " bytes, too short for the 8-byte header length");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            SafetensorsParser.Parsed p = new SafetensorsParser(path, seg).parse();
            return new SafetensorsFile(path, p, arena, seg);
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
        return mapped.byteSize();
    }

    /** The tensor named {@code name}, or a clear error naming the file and the tensor. */
    public SafetensorsTensorInfo tensor(String name) {
        SafetensorsTensorInfo t = tensors.get(name);
        if (t == null) throw new FormatException(path, "missing tensor '" + name + "'");
        return t;
    }

    /** The bytes of a tensor, in place in the mapping. */
    public MemorySegment data(SafetensorsTensorInfo t) {
        return mapped.asSlice(dataOffset + t.begin(), t.byteSize());
    }

    public MemorySegment data(String name) {
        return data(tensor(name));
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
