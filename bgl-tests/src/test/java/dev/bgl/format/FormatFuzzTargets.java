package dev.bgl.format;

import dev.bgl.fuzz.Contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets of the file formats: the bytes of an untrusted file go to the same parser
 * {@link GgufFile#open} and {@link SafetensorsFile#open} use (on a heap segment instead of a
 * mapping, so that no file is written per input), then everything a caller reads is touched.
 */
public final class FormatFuzzTargets {
    private static final Path NAME = Path.of("fuzz-input");

    private FormatFuzzTargets() {
    }

    public static boolean gguf(byte[] data) {
        return Contract.parsesOrFailsClearly(() -> {
            MemorySegment seg = MemorySegment.ofArray(data);
            GgufParser.Parsed p = new GgufParser(NAME, seg).parse();
            GgufMetadata meta = new GgufMetadata(NAME, p.metadata());
            for (var e : p.metadata().entrySet()) {
                e.getValue().toString();
                if (e.getValue().type() == GgufValueType.STRING) meta.string(e.getKey());
            }
            for (GgufTensorInfo t : p.tensors().values()) {
                // a tensor handed out must be a valid slice of the file
                MemorySegment slice = seg.asSlice(p.dataOffset() + t.offset(), t.byteSize());
                if (slice.byteSize() > 0) slice.get(ValueLayout.JAVA_BYTE, slice.byteSize() - 1);
                t.rows();
                t.cols();
            }
        });
    }

    /** The metadata of GGUF bytes, for targets of the layers above (the tokenizer read from a GGUF). */
    public static GgufMetadata ggufMetadata(byte[] data) {
        return new GgufMetadata(NAME, new GgufParser(NAME, MemorySegment.ofArray(data)).parse().metadata());
    }

    public static boolean safetensors(byte[] data) {
        return Contract.parsesOrFailsClearly(() -> {
            MemorySegment seg = MemorySegment.ofArray(data);
            SafetensorsParser.Parsed p = new SafetensorsParser(NAME, seg).parse();
            for (SafetensorsTensorInfo t : p.tensors().values()) {
                MemorySegment slice = seg.asSlice(p.dataOffset() + t.begin(), t.byteSize());
                if (slice.byteSize() > 0) slice.get(ValueLayout.JAVA_BYTE, slice.byteSize() - 1);
                t.elements();
                t.rows();
            }
        });
    }

    /** A model folder with one shard in it and one beside it, for the index target's shard names. */
    private static final Path FOLDER;
    private static final Path OUTSIDE;

    static {
        try {
            Path base = Files.createTempDirectory("bgl-fuzz-index");
            FOLDER = Files.createDirectories(base.resolve("model"));
            OUTSIDE = base.toRealPath();
            Files.write(FOLDER.resolve("model-00001-of-00002.safetensors"), new byte[]{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
            Files.createDirectories(FOLDER.resolve("sub"));
            Files.write(FOLDER.resolve("sub/shard.safetensors"), new byte[]{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
            Files.write(base.resolve("secret.safetensors"), new byte[]{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
            base.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The index of a sharded checkpoint: parsed, then each shard name resolved in a real folder.
     * Beyond the contract, a name that resolves must resolve inside the folder.
     */
    public static boolean safetensorsIndex(byte[] data) {
        return Contract.parsesOrFailsClearly(() -> {
            SafetensorsIndex index = SafetensorsIndex.parse(FOLDER.resolve(SafetensorsIndex.FILE_NAME), data);
            Path root = SafetensorsPaths.realFolder(FOLDER);
            for (String shard : index.weightMap().values()) {
                try {
                    Path p = SafetensorsPaths.resolve(FOLDER, shard, "shard '" + shard + "'", index.path());
                    if (!p.startsWith(root)) throw new AssertionError("shard '" + shard + "' escaped the folder: " + p);
                } catch (FormatException e) {
                    // refused: fine, as long as it says so (checked by the contract if it escapes)
                    if (e.getMessage().isBlank()) throw e;
                }
            }
        });
    }

    static Path outsideFolder() {
        return OUTSIDE;
    }
}
