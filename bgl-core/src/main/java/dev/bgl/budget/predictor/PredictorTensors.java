package dev.bgl.budget.predictor;

import dev.bgl.format.SafetensorsCheckpoint;
import dev.bgl.format.SafetensorsFile;
import dev.bgl.format.SafetensorsIndex;
import dev.bgl.format.SafetensorsTensorInfo;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a predictor's tensors are read from: one safetensors file (bgl's own, or a head saved
 * alone), or a Hugging Face model folder whose state dict holds the predictor beside the LLM, as
 * the paper's released checkpoints ({@code senfu/*-BG}) do: {@code save_pretrained} of the whole
 * guided model writes {@code model.*}, {@code lm_head.weight} and the predictor's {@code cls_token},
 * {@code encoder.*}, {@code alpha_head.weight}, {@code lam_head.weight} into the same shards. Both
 * are read through the same {@link PredictorWeights#load} logic; only where the bytes sit differs.
 */
sealed interface PredictorTensors extends AutoCloseable {
    /** The key that marks a state dict as holding a predictor. */
    String MARKER = "alpha_head.weight";

    /** The file or folder, for errors that are not about one tensor. */
    Path path();

    Map<String, SafetensorsTensorInfo> tensors();

    Map<String, String> metadata();

    MemorySegment data(SafetensorsTensorInfo t);

    /** The file to name in an error about {@code key}: the shard holding it, else the file or folder. */
    Path fileOf(String key);

    @Override
    void close();

    /** A folder is read as a checkpoint (single file or shards with an index), anything else as one file. */
    static PredictorTensors open(Path path) {
        if (Files.isDirectory(path)) return new Folder(SafetensorsCheckpoint.open(path));
        return new File(SafetensorsFile.open(path));
    }

    /** Whether {@code folder} is a model folder whose state dict holds a predictor (a missing shard is an error naming it). */
    static boolean inFolder(Path folder) {
        if (!Files.isDirectory(folder)) return false;
        if (!Files.exists(folder.resolve(SafetensorsCheckpoint.SINGLE_FILE)) && !Files.exists(folder.resolve(SafetensorsIndex.FILE_NAME)))
            return false; // no weights at all: no predictor either
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(folder)) {
            return ck.has(MARKER);
        }
    }

    record File(SafetensorsFile f) implements PredictorTensors {
        public Path path() {
            return f.path();
        }

        public Map<String, SafetensorsTensorInfo> tensors() {
            return f.tensors();
        }

        public Map<String, String> metadata() {
            return f.metadata();
        }

        public MemorySegment data(SafetensorsTensorInfo t) {
            return f.data(t);
        }

        public Path fileOf(String key) {
            return f.path();
        }

        public void close() {
            f.close();
        }
    }

    record Folder(SafetensorsCheckpoint ck) implements PredictorTensors {
        public Path path() {
            return ck.folder();
        }

        public Map<String, SafetensorsTensorInfo> tensors() {
            return ck.tensors();
        }

        public Map<String, String> metadata() {
            return ck.metadata();
        }

        public MemorySegment data(SafetensorsTensorInfo t) {
            return ck.data(t.name());
        }

        public Path fileOf(String key) {
            Path p = ck.fileOf(key);
            return p == null ? ck.folder() : p;
        }

        public void close() {
            ck.close();
        }
    }
}
