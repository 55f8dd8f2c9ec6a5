package dev.bgl.chat;

import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufValue;
import dev.bgl.format.GgufValueType;
import dev.bgl.format.GgufWriter;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.util.RepoFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The test fixture of a non-{@code <think>} thinking format: the shipped default model rewritten with its
 * {@code <think>}/{@code </think>} tokens renamed {@code [THINK]}/{@code [/THINK]} in the vocabulary and the chat
 * template. Same weights, same token ids: every run on it must be the {@code <think>} run with the markers swapped.
 */
public final class BracketThinkingModel {
    public static final ThinkingMarkers FROM = ThinkingMarkers.THINK;
    public static final ThinkingMarkers TO = ThinkingMarkers.BRACKET;

    private BracketThinkingModel() {
    }

    /** Writes the rewritten copy of the shipped model into {@code dir} and returns its path. */
    public static Path write(Path dir) throws IOException {
        return rewrite(RepoFiles.shippedModel(), dir.resolve("bgl-reasoner-bracket.gguf"), FROM, TO);
    }

    /** Copies a GGUF file with the thinking markers renamed in its vocabulary and chat template; tensors byte for byte. */
    public static Path rewrite(Path in, Path out, ThinkingMarkers from, ThinkingMarkers to) throws IOException {
        try (GgufFile f = GgufFile.open(in)) {
            Map<String, GgufValue> meta = new LinkedHashMap<>(f.metadata());
            String[] tokens = f.meta().strings("tokenizer.ggml.tokens").clone();
            int renamed = 0;
            for (int i = 0; i < tokens.length; i++) {
                if (tokens[i].equals(from.open())) tokens[i] = to.open();
                else if (tokens[i].equals(from.close())) tokens[i] = to.close();
                else continue;
                renamed++;
            }
            if (renamed != 2) throw new IllegalStateException(in + ": expected both thinking tokens in the vocabulary, renamed " + renamed);
            meta.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, tokens)));
            meta.put("tokenizer.chat_template", GgufValue.of(to.rewrite(f.meta().string("tokenizer.chat_template"), from)));
            GgufWriter w = new GgufWriter().putAll(meta);
            for (GgufTensorInfo t : f.tensorList()) w.tensor(t.name(), t.type(), t.dims(), f.data(t));
            w.write(out);
        }
        return out;
    }
}
