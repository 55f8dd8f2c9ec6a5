package dev.bgl.tokenizer;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgufMetadata;
import dev.bgl.format.GgufValue;
import dev.bgl.format.GgufWriter;
import dev.bgl.util.BglException;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything that defines a tokenizer, as plain data: the form in which GGUF stores it
 * ({@code tokenizer.ggml.*}). Both sources (GGUF metadata and HF {@code tokenizer.json}) are read
 * into this, so one validated description feeds the tokenizers and the GGUF writer.
 *
 * @param model          {@code tokenizer.ggml.model}: "gpt2" (byte-level BPE) or "llama" (SentencePiece)
 * @param pre            pre-tokenizer (BPE only; null for SPM)
 * @param tokens         token texts by id (BPE: in GPT-2 byte-level form; SPM: with ▁ for space)
 * @param types          token types by id
 * @param scores         SPM merge scores by id (null for BPE)
 * @param merges         BPE merges "left right" in rank order (empty for SPM)
 * @param bosId          begin-of-sequence id or -1
 * @param eosId          end-of-sequence id or -1
 * @param padId          padding id or -1
 * @param unkId          unknown id or -1
 * @param addBos         prepend BOS when encoding a prompt
 * @param addEos         append EOS when encoding a prompt
 * @param addSpacePrefix SPM: prepend ▁ to text at the start and after special tokens
 * @param chatTemplate   {@code tokenizer.chat_template} or null
 * @param source         where it was read from, for error messages
 */
public record TokenizerSpec(String model, PreTokenizer pre, String[] tokens, TokenType[] types, float[] scores,
                            String[] merges, int bosId, int eosId, int padId, int unkId,
                            boolean addBos, boolean addEos, boolean addSpacePrefix, String chatTemplate, String source) {

    public static final String BPE = "gpt2";
    public static final String SPM = "llama";
    /** More than any real vocabulary (the largest are ~260k); guards against absurd sizes in bad files. */
    static final int MAX_VOCAB = 4_000_000;

    public TokenizerSpec {
        validate(model, pre, tokens, types, scores, merges, bosId, eosId, padId, unkId, source);
    }

    public int vocabSize() {
        return tokens.length;
    }

    public boolean isBpe() {
        return model.equals(BPE);
    }

    private static void validate(String model, PreTokenizer pre, String[] tokens, TokenType[] types, float[] scores,
                                 String[] merges, int bos, int eos, int pad, int unk, String source) {
        if (!model.equals(BPE) && !model.equals(SPM))
            throw new BglException(source + ": tokenizer model '" + model + "' is not supported (bgl knows 'gpt2' byte-level BPE and 'llama' SentencePiece)");
        if (model.equals(BPE) && pre == null)
            throw new BglException(source + ": BPE tokenizer without a pre-tokenizer");
        if (tokens.length == 0 || tokens.length > MAX_VOCAB)
            throw new BglException(source + ": vocabulary size " + tokens.length + " is out of range [1, " + MAX_VOCAB + "]");
        if (types.length != tokens.length)
            throw new BglException(source + ": " + types.length + " token types for " + tokens.length + " tokens");
        if (scores != null && scores.length != tokens.length)
            throw new BglException(source + ": " + scores.length + " token scores for " + tokens.length + " tokens");
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) throw new BglException(source + ": token " + i + " is missing");
            if (types[i] == null) throw new BglException(source + ": token " + i + " has no type");
        }
        checkId(source, "bos", bos, tokens.length);
        checkId(source, "eos", eos, tokens.length);
        checkId(source, "padding", pad, tokens.length);
        checkId(source, "unknown", unk, tokens.length);
        if (model.equals(BPE) && merges.length == 0)
            throw new BglException(source + ": BPE tokenizer without merges");
    }

    private static void checkId(String source, String what, int id, int n) {
        if (id < -1 || id >= n) throw new BglException(source + ": " + what + " token id " + id + " is out of range [0, " + n + ")");
    }

    /** Token text → id. Texts must be unique (llama.cpp refuses a vocabulary with duplicates too). */
    Map<String, Integer> idsByText() {
        Map<String, Integer> ids = HashMap.newHashMap(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            Integer before = ids.putIfAbsent(tokens[i], i);
            if (before != null)
                throw new BglException(source + ": token text '" + tokens[i] + "' appears twice (ids " + before + " and " + i + ")");
        }
        return ids;
    }

    /**
     * A copy padded with unused tokens {@code [PAD<i>]} up to {@code size} entries, as llama.cpp's
     * converter does when a model's embedding has more rows than the tokenizer has tokens.
     */
    public TokenizerSpec paddedTo(int size) {
        if (size < tokens.length) throw new BglException(source + ": cannot pad " + tokens.length + " tokens down to " + size);
        if (size == tokens.length) return this;
        String[] t = Arrays.copyOf(tokens, size);
        TokenType[] y = Arrays.copyOf(types, size);
        float[] s = scores == null ? null : Arrays.copyOf(scores, size);
        for (int i = tokens.length; i < size; i++) {
            t[i] = "[PAD" + i + "]";
            y[i] = TokenType.UNUSED;
        }
        return new TokenizerSpec(model, pre, t, y, s, merges, bosId, eosId, padId, unkId, addBos, addEos, addSpacePrefix, chatTemplate, source);
    }

    // ---- GGUF ----

    /** Reads {@code tokenizer.ggml.*} (and {@code tokenizer.chat_template}); defaults follow llama.cpp. */
    public static TokenizerSpec fromGguf(GgufMetadata m) {
        String source = String.valueOf(m.file());
        String model = m.string("tokenizer.ggml.model");
        String[] tokens = m.strings("tokenizer.ggml.tokens").clone(); // the file's array stays as read
        if (tokens.length == 0 || tokens.length > MAX_VOCAB)
            throw new FormatException(m.file(), "metadata 'tokenizer.ggml.tokens' has " + tokens.length + " entries");
        for (int i = 0; i < tokens.length; i++) {
            // llama.cpp renames empty tokens the same way, so that every token has a findable text
            if (tokens[i].isEmpty()) tokens[i] = "[EMPTY_" + i + "]";
        }
        TokenType[] types = new TokenType[tokens.length];
        if (m.has("tokenizer.ggml.token_type")) {
            long[] codes = m.integers("tokenizer.ggml.token_type");
            if (codes.length != tokens.length)
                throw new FormatException(m.file(), "metadata 'tokenizer.ggml.token_type' has " + codes.length + " entries for " + tokens.length + " tokens");
            for (int i = 0; i < codes.length; i++) {
                types[i] = TokenType.ofCode(codes[i]);
                if (types[i] == null)
                    throw new FormatException(m.file(), "metadata 'tokenizer.ggml.token_type'[" + i + "] = " + codes[i] + " is not a token type (0..6)");
            }
        } else {
            Arrays.fill(types, TokenType.NORMAL);
        }
        float[] scores = m.has("tokenizer.ggml.scores") ? m.floats("tokenizer.ggml.scores") : null;
        if (scores != null && scores.length != tokens.length)
            throw new FormatException(m.file(), "metadata 'tokenizer.ggml.scores' has " + scores.length + " entries for " + tokens.length + " tokens");

        boolean spm = model.equals(SPM);
        PreTokenizer pre = null;
        String[] merges = new String[0];
        if (model.equals(BPE)) {
            String preName = m.string("tokenizer.ggml.pre", "default");
            pre = PreTokenizer.ofGgufName(preName);
            if (pre == null)
                throw new FormatException(m.file(), "metadata 'tokenizer.ggml.pre' = '" + preName + "' is a pre-tokenizer bgl does not know (it knows qwen2, llama-bpe/llama3, gpt-2, gpt-4o, default)");
            if (!m.has("tokenizer.ggml.merges")) throw new FormatException(m.file(), "missing metadata 'tokenizer.ggml.merges' (a BPE tokenizer needs its merges)");
            merges = m.strings("tokenizer.ggml.merges");
        } else if (!spm) {
            throw new FormatException(m.file(), "metadata 'tokenizer.ggml.model' = '" + model + "' is not supported (bgl knows 'gpt2' and 'llama')");
        }

        int bos = specialId(m, "tokenizer.ggml.bos_token_id", spm ? 1 : -1, tokens.length);
        int eos = specialId(m, "tokenizer.ggml.eos_token_id", spm ? 2 : -1, tokens.length);
        int pad = specialId(m, "tokenizer.ggml.padding_token_id", -1, tokens.length);
        int unk = specialId(m, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, tokens.length);
        boolean addBos = m.bool("tokenizer.ggml.add_bos_token", spm || pre == PreTokenizer.LLAMA3);
        boolean addEos = m.bool("tokenizer.ggml.add_eos_token", false);
        boolean addSpacePrefix = m.bool("tokenizer.ggml.add_space_prefix", spm);
        String template = m.has("tokenizer.chat_template") ? m.string("tokenizer.chat_template") : null;
        try {
            return new TokenizerSpec(model, pre, tokens, types, scores, merges, bos, eos, pad, unk, addBos, addEos, addSpacePrefix, template, source);
        } catch (FormatException e) {
            throw e;
        } catch (BglException e) {
            throw new FormatException(e.getMessage());
        }
    }

    private static int specialId(GgufMetadata m, String key, int fallback, int n) {
        if (!m.has(key)) return fallback < n ? fallback : -1;
        long id = m.integer(key);
        if (id == -1 || id == 0xFFFFFFFFL) return -1; // "none" as some writers store it
        if (id < 0 || id >= n) throw new FormatException(m.file(), "metadata '" + key + "' = " + id + " is out of range [0, " + n + ")");
        return (int) id;
    }

    /** Puts the llama.cpp-compatible {@code tokenizer.*} keys into {@code w}. */
    public void writeTo(GgufWriter w) {
        w.put("tokenizer.ggml.model", model);
        if (isBpe()) w.put("tokenizer.ggml.pre", pre.ggufName());
        w.putStrings("tokenizer.ggml.tokens", tokens);
        long[] codes = new long[types.length];
        for (int i = 0; i < types.length; i++) codes[i] = types[i].code;
        w.putInts("tokenizer.ggml.token_type", codes);
        if (scores != null) w.putFloats("tokenizer.ggml.scores", scores);
        if (isBpe()) w.putStrings("tokenizer.ggml.merges", merges);
        if (bosId >= 0) w.putU32("tokenizer.ggml.bos_token_id", bosId);
        if (eosId >= 0) w.putU32("tokenizer.ggml.eos_token_id", eosId);
        if (padId >= 0) w.putU32("tokenizer.ggml.padding_token_id", padId);
        if (unkId >= 0) w.putU32("tokenizer.ggml.unknown_token_id", unkId);
        w.putBool("tokenizer.ggml.add_bos_token", addBos);
        w.putBool("tokenizer.ggml.add_eos_token", addEos);
        if (!isBpe()) w.putBool("tokenizer.ggml.add_space_prefix", addSpacePrefix);
        if (chatTemplate != null) w.put("tokenizer.chat_template", GgufValue.of(chatTemplate));
    }
}
