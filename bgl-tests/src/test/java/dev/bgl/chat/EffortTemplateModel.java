package dev.bgl.chat;

import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.format.GgufValue;
import dev.bgl.format.GgufWriter;
import dev.bgl.util.RepoFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shipped model with a chat template that reads {@code reasoning_effort} as gpt-oss's does: when it is defined, a
 * system turn "Reasoning: EFFORT" opens the prompt. Same weights and vocabulary, so the effort shows in the prompt's
 * text and token count and nowhere else.
 */
public final class EffortTemplateModel {
    private EffortTemplateModel() {
    }

    public static Path write(Path dir) throws IOException {
        Path out = dir.resolve("bgl-reasoner-effort.gguf");
        try (GgufFile f = GgufFile.open(RepoFiles.shippedModel())) {
            Map<String, GgufValue> meta = new LinkedHashMap<>(f.metadata());
            String template = "{%- if reasoning_effort is defined %}<|im_start|>system\nReasoning: {{ reasoning_effort }}<|im_end|>\n{% endif -%}\n"
                    + f.meta().string("tokenizer.chat_template");
            meta.put("tokenizer.chat_template", GgufValue.of(template));
            GgufWriter w = new GgufWriter().putAll(meta);
            for (GgufTensorInfo t : f.tensorList()) w.tensor(t.name(), t.type(), t.dims(), f.data(t));
            w.write(out);
        }
        return out;
    }
}
