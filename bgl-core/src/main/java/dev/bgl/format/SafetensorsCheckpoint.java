package dev.bgl.format;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face model folder: either one {@code model.safetensors} or shards listed
 * by {@code model.safetensors.index.json}. Every file is mapped and validated on open, and every
 * tensor the index names must be in the shard it names. Close it to unmap all files.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";

    private record Located(SafetensorsFile file, SafetensorsTensorInfo info) {
    }

    private final Path folder;
    private final List<SafetensorsFile> files;
    private final Map<String, Located> tensors;
    private final Map<String, SafetensorsTensorInfo> infos;

    private SafetensorsCheckpoint(Path folder, List<SafetensorsFile> files, Map<String, Located> tensors) {
        this.folder = folder;
        this.files = List.copyOf(files);
        this.tensors = Collections.unmodifiableMap(tensors);
        Map<String, SafetensorsTensorInfo> m = new LinkedHashMap<>();
        tensors.forEach((k, v) -> m.put(k, v.info()));
        this.infos = Collections.unmodifiableMap(m);
    }

    /** Opens {@code model.safetensors} if present (as transformers does), else the index and its shards. */
    public static SafetensorsCheckpoint open(Path folder) {
        Path root = SafetensorsPaths.realFolder(folder);
        if (Files.exists(root.resolve(SINGLE_FILE))) {
            Path p = SafetensorsPaths.resolve(root, SINGLE_FILE, "'" + SINGLE_FILE + "'", root);
            SafetensorsFile f = SafetensorsFile.open(p);
            Map<String, Located> m = new LinkedHashMap<>();
            f.tensors().forEach((name, info) -> m.put(name, new Located(f, info)));
            return new SafetensorsCheckpoint(root, List.of(f), m);
        }
        if (Files.exists(root.resolve(SafetensorsIndex.FILE_NAME))) {
            Path ip = SafetensorsPaths.resolve(root, SafetensorsIndex.FILE_NAME, "'" + SafetensorsIndex.FILE_NAME + "'", root);
            return openSharded(root, SafetensorsIndex.read(ip));
        }
        throw new FormatException(folder, "no " + SINGLE_FILE + " or " + SafetensorsIndex.FILE_NAME + " in this folder");
    }

    private static SafetensorsCheckpoint openSharded(Path root, SafetensorsIndex index) {
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (String shard : index.weightMap().values()) {
                if (shards.containsKey(shard)) continue;
                Path p = SafetensorsPaths.resolve(root, shard, "shard '" + shard + "'", index.path());
                shards.put(shard, SafetensorsFile.open(p));
            }
            // Map names in shard order, then header order within a shard: the order on disk.
            Map<String, Located> m = new LinkedHashMap<>();
            for (var e : shards.entrySet())
                for (SafetensorsTensorInfo info : e.getValue().tensors().values())
                    if (e.getKey().equals(index.weightMap().get(info.name())))
                        m.put(info.name(), new Located(e.getValue(), info));
            for (var e : index.weightMap().entrySet())
                if (!m.containsKey(e.getKey()))
                    throw new FormatException(index.path(), "tensor '" + e.getKey() + "' is not in its shard '" + e.getValue() + "'");
            return new SafetensorsCheckpoint(root, new ArrayList<>(shards.values()), m);
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The folder's real path. */
    public Path folder() {
        return folder;
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    /** All tensors by name, in on-disk order. */
    public Map<String, SafetensorsTensorInfo> tensors() {
        return infos;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The entry of {@code name}, or null. */
    public SafetensorsTensorInfo info(String name) {
        Located l = tensors.get(name);
        return l == null ? null : l.info();
    }

    /**
     * The {@code __metadata__} of its files, merged in file order (the first file's value wins):
     * {@code save_pretrained} writes the same map into every shard.
     */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        for (SafetensorsFile f : files) f.metadata().forEach(m::putIfAbsent);
        return Collections.unmodifiableMap(m);
    }

    /** The file holding {@code name} (for error messages), or null. */
    public Path fileOf(String name) {
        Located l = tensors.get(name);
        return l == null ? null : l.file().path();
    }

    /** The bytes of tensor {@code name}, in place in its file's mapping. */
    public MemorySegment data(String name) {
        Located l = tensors.get(name);
        if (l == null) throw new FormatException(folder, "missing tensor '" + name + "'");
        return l.file().data(l.info());
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
