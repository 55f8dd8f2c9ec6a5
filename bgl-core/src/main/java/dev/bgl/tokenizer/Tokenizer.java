package dev.bgl.tokenizer;

import dev.bgl.format.GgufMetadata;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Text ↔ token ids, exactly as llama.cpp tokenizes (its {@code llama_tokenize} with
 * {@code add_special=false} unless asked). Thread-safe: one tokenizer serves all sessions; a
 * {@link StreamingDecoder} is per session.
 */
public sealed interface Tokenizer permits BpeTokenizer, SpmTokenizer {

    /** The tokenizer a GGUF file describes ({@code tokenizer.ggml.*}). */
    static Tokenizer fromGguf(GgufMetadata metadata) {
        return of(TokenizerSpec.fromGguf(metadata));
    }

    /** The tokenizer of a Hugging Face {@code tokenizer.json} (with tokenizer_config.json beside it if present). */
    static Tokenizer fromTokenizerJson(Path tokenizerJson) {
        return of(HfTokenizerJson.read(tokenizerJson));
    }

    /** The spec read from a Hugging Face {@code tokenizer.json}, e.g. to write it into a GGUF. */
    static TokenizerSpec specFromTokenizerJson(Path tokenizerJson) {
        return HfTokenizerJson.read(tokenizerJson);
    }

    static Tokenizer of(TokenizerSpec spec) {
        return spec.isBpe() ? new BpeTokenizer(spec) : new SpmTokenizer(spec);
    }

    TokenizerSpec spec();

    /**
     * Token ids of {@code text}, without BOS/EOS. With {@code parseSpecial}, control tokens written
     * in the text (e.g. {@code <|im_start|>}) become their ids; user-defined tokens (e.g.
     * {@code <think>}) always do, as in llama.cpp.
     */
    int[] encode(String text, boolean parseSpecial);

    /** As {@link #encode(String, boolean)}, adding BOS/EOS when {@code addSpecial} and the model asks for them. */
    default int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        int[] ids = encode(text, parseSpecial);
        if (!addSpecial) return ids;
        boolean bos = addBos() && bosId() >= 0, eos = addEos() && eosId() >= 0;
        int[] out = new int[ids.length + (bos ? 1 : 0) + (eos ? 1 : 0)];
        if (bos) out[0] = bosId();
        System.arraycopy(ids, 0, out, bos ? 1 : 0, ids.length);
        if (eos) out[out.length - 1] = eosId();
        return out;
    }

    /**
     * The text of {@code ids}, special tokens included, as the exact inverse of
     * {@link #encode(String, boolean)} with {@code parseSpecial}: {@code decode(encode(s, true)) == s}
     * (for SentencePiece this strips the ▁ that encoding prefixed). Bytes that do not form valid
     * UTF-8 become U+FFFD.
     */
    default String decode(int[] ids) {
        Vocab v = Vocab.of(this);
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        int prev = -1;
        for (int id : ids) {
            v.checkId(id);
            byte[] p = v.pieces[id];
            if (p != null) {
                int skip = v.stripsSpace(prev, id) && p.length > 0 && p[0] == ' ' ? 1 : 0;
                out.write(p, skip, p.length - skip);
            }
            prev = id;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The raw bytes token {@code id} stands for (control tokens: their text; unused tokens: none). */
    default byte[] tokenBytes(int id) {
        Vocab v = Vocab.of(this);
        v.checkId(id);
        byte[] p = v.pieces[id];
        return p == null ? new byte[0] : p.clone();
    }

    /** The token as stored in the vocabulary (byte-level or ▁ form). */
    default String tokenText(int id) {
        Vocab v = Vocab.of(this);
        v.checkId(id);
        return v.texts[id];
    }

    default TokenType tokenType(int id) {
        Vocab v = Vocab.of(this);
        v.checkId(id);
        return v.types[id];
    }

    default int vocabSize() {
        return spec().vocabSize();
    }

    /** The id of the token whose vocabulary text is exactly {@code text}. */
    default OptionalInt tokenId(String text) {
        Integer id = Vocab.of(this).ids.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    default int bosId() {
        return spec().bosId();
    }

    default int eosId() {
        return spec().eosId();
    }

    default int padId() {
        return spec().padId();
    }

    default boolean addBos() {
        return spec().addBos();
    }

    default boolean addEos() {
        return spec().addEos();
    }

    /** Control, user-defined or unknown: tokens written in text as markup rather than learned from it. */
    default boolean isSpecial(int id) {
        Vocab v = Vocab.of(this);
        v.checkId(id);
        return v.matchedInText(id);
    }

    /** EOS and the turn-ending control tokens ({@code <|im_end|>}, {@code <|eot_id|>}, ...). */
    default boolean isEndOfGeneration(int id) {
        Vocab v = Vocab.of(this);
        return id >= 0 && id < v.size() && v.endOfGeneration[id];
    }

    /**
     * A decoder for generated tokens, one per session: it emits text as soon as it forms complete
     * UTF-8 and holds back split multi-byte characters. It renders special tokens and strips
     * nothing (generated text continues a prompt).
     */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this, true, false);
    }
}
