package dev.bgl.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.Function;

/**
 * A model file memory-mapped read-only through the FFM API in a shared arena, so that tensor data
 * is read in place by any thread (files over 2 GB work; nothing is copied onto the heap). What GGUF
 * and safetensors files have in common: opening with one {@link FormatException} naming the file
 * for every problem, slices of the mapping, unmapping on close.
 */
record MappedFile(Path path, Arena arena, MemorySegment segment) implements AutoCloseable {

    /**
     * Maps the file and gives it to {@code parse}; when that or the mapping fails the file is
     * unmapped again (an empty file maps to an empty segment, for the parser to reject in its words).
     */
    static <T> T open(Path path, Function<MappedFile, T> parse) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse.apply(new MappedFile(path, arena, seg));
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

    long size() {
        return segment.byteSize();
    }

    /** The bytes at {@code offset}, in place in the mapping. */
    MemorySegment slice(long offset, long size) {
        return segment.asSlice(offset, size);
    }

    /** The tensor named {@code name} in {@code tensors}, or a clear error naming the file and the missing tensor. */
    <T> T tensor(Map<String, T> tensors, String name) {
        T t = tensors.get(name);
        if (t == null) throw new FormatException(path, "missing tensor '" + name + "'");
        return t;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
