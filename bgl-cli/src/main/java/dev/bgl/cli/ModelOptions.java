package dev.bgl.cli;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.LoadedModel;
import dev.bgl.model.KvCacheType;
import dev.bgl.tensor.Parallel;
import dev.bgl.util.BglException;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** Options shared by the commands that load a model. */
final class ModelOptions {
    /** Where the embedded default model lives, relative to the repository (or the jar's folder). */
    static final String DEFAULT_MODEL = "models/bgl-reasoner.gguf";

    @Option(names = {"-m", "--model"}, description = "A .gguf file or a Hugging Face model folder (default: the embedded " + DEFAULT_MODEL + ")")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "For a Hugging Face model folder: take tokenizer.json (and the chat template, if the model folder has none) from this folder; checkpoints saved without a tokenizer (the paper's *-BG folders) need their base model's")
    Path tokenizer;

    @Option(names = "--threads", description = "Worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--context", description = "Context size in tokens (default: the model's own, as far as the heap holds its KV cache)")
    Integer context;

    @Option(names = "--kv-type", defaultValue = "f16", description = "KV cache type, as llama.cpp's --cache-type-k/-v: f16 (half the memory of f32, llama.cpp's default), f32, q8_0 (Q8_0 blocks, about half of f16) or q4_0 (Q4_0 blocks, about a quarter) (default: ${DEFAULT-VALUE})")
    String kvType = "f16";

    static final String THINKING_FORMAT_HELP = "The model's thinking format: think (<think>…</think>: Qwen3, DeepSeek-R1), mistral ([THINK]…[/THINK]),"
            + " harmony (gpt-oss's analysis/final channels), or explicit OPEN,CLOSE markers (default: the one its chat template and vocabulary show)";

    @Option(names = "--thinking-format", paramLabel = "NAME|OPEN,CLOSE", description = THINKING_FORMAT_HELP)
    String thinkingFormat;

    /** The format given with --thinking-format (an unknown one is an error here, before the model is read), or null. */
    static ThinkingMarkers thinkingFormat(String spec) {
        return spec == null ? null : ThinkingMarkers.parse(spec);
    }

    /** Opens the model at {@code path} with the chosen KV cache type and thinking format. */
    LoadedModel open(Path path) {
        ThinkingMarkers format = thinkingFormat(thinkingFormat);
        return openChecked(path, KvCacheType.parse(kvType), tokenizer, format);
    }

    /**
     * Opens a model (with a tokenizer from another folder, or null) and renders a probe conversation with its chat
     * template: a broken template stops here, in one line naming the file.
     */
    static LoadedModel openChecked(Path path, KvCacheType kv, Path tokenizer) {
        return openChecked(path, kv, tokenizer, null);
    }

    /** As {@link #openChecked(Path, KvCacheType, Path)} with a thinking format (null: the model's own). */
    static LoadedModel openChecked(Path path, KvCacheType kv, Path tokenizer, ThinkingMarkers format) {
        LoadedModel m = LoadedModel.open(path, kv, tokenizer, format);
        try {
            m.checkTemplate();
        } catch (BglException e) {
            m.close();
            throw new BglException(path + ": " + e.getMessage());
        }
        return m;
    }

    Path resolveModel() {
        if (threads != null) {
            if (threads < 1 || threads > 1024) throw new BglException("--threads must be in 1..1024, got " + threads);
            Parallel.setThreads(threads);
        }
        if (model != null) return model;
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path m = p.resolve(DEFAULT_MODEL);
            if (Files.isRegularFile(m)) return m;
        }
        throw new BglException("no --model given and the embedded default model (" + DEFAULT_MODEL + ") was not found");
    }

    int contextFor(int modelDefault) {
        if (context == null) return modelDefault;
        if (context < 8 || context > (1 << 20)) throw new BglException("--context must be in 8..1048576, got " + context);
        return context;
    }
}
