package dev.bgl.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A small byte-level BPE vocabulary built in code: the 256 byte symbols, a handful of merges for
 * frequent English pairs, and the chat and thinking special tokens of Qwen3 (ChatML,
 * {@code <think>}/{@code </think>}). Any text encodes with it (bytes are the fallback), llama.cpp
 * loads it (pre-tokenizer qwen2), and it needs no file: the demo model uses it.
 */
public final class ByteLevelVocab {
    public static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>");
    private static final String[] PAIRS = {"t h", "i n", "e r", "a n", "r e", "o n", "Ġ t", "Ġ a", "e n", "a t", "o r",
            "e s", "Ġ s", "Ġ w", "i s", "Ġ th", "th e", "Ġ c", "i t", "a l"};

    /** A Qwen3-style chat template that opens thinking unless enable_thinking is false. */
    public static final String CHAT_TEMPLATE = """
            {%- for message in messages %}
            {{- '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\\n' }}
            {%- if enable_thinking is defined and enable_thinking is false %}
            {{- '<think>\\n\\n</think>\\n\\n' }}
            {%- endif %}
            {%- endif %}
            """;

    private ByteLevelVocab() {
    }

    public static TokenizerSpec spec() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf((char) ByteLevel.BYTE_TO_CHAR[b]));
        List<String> merges = new ArrayList<>();
        for (String p : PAIRS) {
            merges.add(p);
            tokens.add(p.replace(" ", ""));
        }
        int firstSpecial = tokens.size();
        tokens.addAll(SPECIALS);
        TokenType[] types = new TokenType[tokens.size()];
        float[] scores = new float[tokens.size()];
        for (int i = 0; i < types.length; i++) types[i] = i >= firstSpecial ? (i >= firstSpecial + 3 ? TokenType.USER_DEFINED : TokenType.CONTROL) : TokenType.NORMAL;
        int imEnd = firstSpecial + 2, eot = firstSpecial;
        return new TokenizerSpec(TokenizerSpec.BPE, PreTokenizer.QWEN2, tokens.toArray(String[]::new), types, scores,
                merges.toArray(String[]::new), -1, imEnd, eot, -1, false, false, false, CHAT_TEMPLATE, "built-in byte-level vocabulary");
    }
}
