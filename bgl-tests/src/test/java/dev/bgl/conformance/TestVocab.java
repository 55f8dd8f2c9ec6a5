package dev.bgl.conformance;

import dev.bgl.format.GgufWriter;

/**
 * A small byte-level BPE vocabulary for logits tests (the tokenizer is tested on its own against
 * the real Qwen3 vocabulary): the 256 byte symbols of GPT-2's byte-to-unicode map plus filler
 * tokens, enough for llama.cpp to load the model.
 */
final class TestVocab {
    static final int SIZE = 2048;

    private TestVocab() {
    }

    static void write(GgufWriter w) {
        String[] tokens = new String[SIZE];
        long[] types = new long[SIZE];
        for (int i = 0; i < SIZE; i++) {
            tokens[i] = i < 256 ? String.valueOf((char) (0x100 + i)) : "tok" + i;
            types[i] = 1;
        }
        w.put("tokenizer.ggml.model", "gpt2");
        w.put("tokenizer.ggml.pre", "qwen2");
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putInts("tokenizer.ggml.token_type", types);
        w.putStrings("tokenizer.ggml.merges", new String[]{tokens[0] + " " + tokens[1]});
        w.putU32("tokenizer.ggml.eos_token_id", SIZE - 1);
    }
}
