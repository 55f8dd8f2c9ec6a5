package dev.bgl.budget;

import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.PreTokenizer;
import dev.bgl.tokenizer.TokenType;
import dev.bgl.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A random-weight model whose vocabulary has harmony's control tokens as gpt-oss's does ({@code <|start|>},
 * {@code <|channel|>}, {@code <|message|>}, {@code <|end|>}, and {@code <|return|>} and {@code <|call|>} that end the turn) and spells the
 * channel names in ordinary tokens: harmony's markers are several tokens there (in gpt-oss's own vocabulary 3 and 6;
 * here the names are bytes, so 10 and 20), the close beginning with the control token {@code <|end|>}.
 */
final class HarmonyVocab {
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<|return|>", "<|call|>", "<|start|>", "<|channel|>", "<|message|>", "<|end|>");

    /** gpt-oss's harmony messages; the generation prompt is {@code <|start|>assistant}, or the analysis channel's header when {@code opening}. */
    static String template(boolean opening) {
        return """
                {%- for m in messages -%}
                {%- if m.role == 'assistant' -%}
                {%- if m.thinking is defined %}<|start|>assistant<|channel|>analysis<|message|>{{ m.thinking }}<|end|>{% endif -%}
                <|start|>assistant<|channel|>final<|message|>{{ m.content }}<|end|>
                {%- else %}<|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>{% endif -%}
                {%- endfor -%}
                {%- if add_generation_prompt %}<|start|>assistant""" + (opening ? "<|channel|>analysis<|message|>" : "") + "{% endif -%}";
    }

    private HarmonyVocab() {
    }

    static TokenizerSpec spec(boolean opening) {
        TokenizerSpec base = ByteLevelVocab.spec();
        List<String> tokens = new ArrayList<>(Arrays.asList(base.tokens()).subList(0, 276)); // bytes and merges, no ChatML
        List<TokenType> types = new ArrayList<>(Arrays.asList(base.types()).subList(0, 276));
        for (String s : SPECIALS) {
            tokens.add(s);
            types.add(TokenType.CONTROL);
        }
        int eot = 276, ret = 277;
        return new TokenizerSpec(TokenizerSpec.BPE, PreTokenizer.QWEN2, tokens.toArray(String[]::new), types.toArray(TokenType[]::new),
                new float[tokens.size()], base.merges(), -1, ret, eot, -1, false, false, false, template(opening), "harmony test vocabulary");
    }

    /** Writes the model: 2 layers, dim 64, F32. */
    static Path write(Path file, boolean opening) throws IOException {
        TokenizerSpec spec = spec(opening);
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 2, 64, 2, 1, 32, 96,
                spec.vocabSize(), 512, 1e6f, 1e-6f, false, 11, "harmony"), spec::writeTo, file);
        return file;
    }
}
