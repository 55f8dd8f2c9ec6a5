package dev.bgl.tokenizer;

import java.util.Map;

/**
 * gpt-oss's vocabulary, o200k_harmony, from o200k_base (the gpt-4o {@code tokenizer.json}): harmony's control tokens
 * at their ids, padded to the embedding's 201,088 rows, {@code <|return|>} the end of a turn, and a chat template that
 * writes harmony's messages. {@code make-model --arch gpt-oss} writes it, so that a random-weight gpt-oss file is
 * gpt-oss's in everything but its weights: its thinking markers are the 3 and 6 tokens a real one's are.
 */
public final class HarmonyVocabulary {
    /** Rows of gpt-oss's embedding. */
    public static final int SIZE = 201_088;

    /** Harmony's control tokens at their o200k_harmony ids. */
    public static final Map<Integer, String> CONTROL = Map.of(200002, "<|return|>", 200003, "<|constrain|>", 200005, "<|channel|>",
            200006, "<|start|>", 200007, "<|end|>", 200008, "<|message|>", 200012, "<|call|>");

    /**
     * Harmony's message layout without tools: a system message with the reasoning effort, the caller's system message
     * as the developer's instructions, each turn a message; an assistant turn's thinking in the analysis channel and
     * its content in the final channel; the generation prompt {@code <|start|>assistant}, after which the model picks
     * its channel.
     */
    public static final String CHAT_TEMPLATE = """
            <|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.
            Knowledge cutoff: 2024-06

            Reasoning: {% if reasoning_effort is defined %}{{ reasoning_effort }}{% else %}medium{% endif %}

            # Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>
            {%- for m in messages -%}
            {%- if m.role == 'system' or m.role == 'developer' -%}
            <|start|>developer<|message|># Instructions

            {{ m.content }}<|end|>
            {%- elif m.role == 'assistant' -%}
            {%- if m.reasoning_content is defined and m.reasoning_content %}<|start|>assistant<|channel|>analysis<|message|>{{ m.reasoning_content }}<|end|>{% endif -%}
            <|start|>assistant<|channel|>final<|message|>{{ m.content }}<|end|>
            {%- else -%}
            <|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>
            {%- endif -%}
            {%- endfor -%}
            {%- if add_generation_prompt %}<|start|>assistant{% endif -%}""";

    private HarmonyVocabulary() {
    }

    /** Whether {@code spec} is o200k_base without harmony's tokens (what {@link #of} turns into gpt-oss's). */
    public static boolean isO200kBase(TokenizerSpec spec) {
        if (spec.pre() != PreTokenizer.GPT4O || spec.tokens().length > SIZE) return false;
        for (String t : spec.tokens()) if ("<|channel|>".equals(t)) return false;
        return true;
    }

    /** o200k_harmony from o200k_base: the control tokens at their ids, padded to {@link #SIZE}, {@code <|return|>} as EOS, the harmony template. */
    public static TokenizerSpec of(TokenizerSpec o200k) {
        TokenizerSpec padded = o200k.paddedTo(SIZE);
        String[] tokens = padded.tokens().clone();
        TokenType[] types = padded.types().clone();
        CONTROL.forEach((id, text) -> {
            tokens[id] = text;
            types[id] = TokenType.CONTROL;
        });
        return new TokenizerSpec(padded.model(), padded.pre(), tokens, types, padded.scores(), padded.merges(), padded.bosId(), 200002,
                padded.padId(), padded.unkId(), padded.addBos(), padded.addEos(), padded.addSpacePrefix(), CHAT_TEMPLATE, "o200k_harmony");
    }
}
