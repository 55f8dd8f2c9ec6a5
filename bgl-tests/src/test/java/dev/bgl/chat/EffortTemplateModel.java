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
 * Chat templates as gpt-oss writes them, over the shipped model. {@link #write}: one that reads {@code reasoning_effort}
 * as gpt-oss's does: when it is defined, a
 * system turn "Reasoning: EFFORT" opens the prompt. Same weights and vocabulary, so the effort shows in the prompt's
 * text and token count and nowhere else.
 */
public final class EffortTemplateModel {
    private EffortTemplateModel() {
    }

    public static Path write(Path dir) throws IOException {
        return withTemplate(RepoFiles.shippedModel(), dir.resolve("bgl-reasoner-effort.gguf"),
                "{%- if reasoning_effort is defined %}<|im_start|>system\nReasoning: {{ reasoning_effort }}<|im_end|>\n{% endif -%}\n", true);
    }

    /**
     * gpt-oss's harmony messages (thinking in the analysis channel) as the template, over the shipped vocabulary with
     * its think tokens renamed (gpt-oss has none): harmony's markers are not single tokens there (gpt-oss's own
     * vocabulary spells them in 3 and 6).
     */
    public static Path harmony(Path dir) throws IOException {
        Path renamed = BracketThinkingModel.rewrite(RepoFiles.shippedModel(), dir.resolve("bgl-reasoner-no-think.gguf"),
                ThinkingMarkers.THINK, new ThinkingMarkers("<reason>", "</reason>"));
        return withTemplate(renamed, dir.resolve("bgl-reasoner-harmony-text.gguf"), """
                {%- for m in messages -%}
                {%- if m.thinking is defined %}<|start|>assistant<|channel|>analysis<|message|>{{ m.thinking }}<|end|>{% endif -%}
                <|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>
                {%- endfor -%}
                {%- if add_generation_prompt %}<|start|>assistant{% endif -%}""", false);
    }

    /** A copy of {@code in} with {@code template} as its chat template, or before its own when {@code prepend}. */
    static Path withTemplate(Path in, Path out, String template, boolean prepend) throws IOException {
        try (GgufFile f = GgufFile.open(in)) {
            Map<String, GgufValue> meta = new LinkedHashMap<>(f.metadata());
            if (prepend) template += f.meta().string("tokenizer.chat_template");
            meta.put("tokenizer.chat_template", GgufValue.of(template));
            GgufWriter w = new GgufWriter().putAll(meta);
            for (GgufTensorInfo t : f.tensorList()) w.tensor(t.name(), t.type(), t.dims(), f.data(t));
            w.write(out);
        }
        return out;
    }
}
