package dev.bgl.tokenizer;

import dev.bgl.fuzz.Contract;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/** Fuzz targets of the tokenizer: the tokenizer.json loader, and encode/decode of hostile text and ids. */
public final class TokenizerFuzzTargets {
    /** A file name in a folder that does not exist, so no tokenizer_config.json is picked up. */
    private static final Path NAME = Path.of("/nonexistent-bgl-fuzz/tokenizer.json");
    private static final Tokenizer TINY = Tokenizer.of(HfTokenizerJson.read(NAME, seed("tiny-bpe.json")));

    private TokenizerFuzzTargets() {
    }

    private static byte[] seed(String name) {
        try (InputStream in = TokenizerFuzzTargets.class.getResourceAsStream("/fuzz/tokenizer-json/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource fuzz/tokenizer-json/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** tokenizer.json bytes: loaded, and if they load, the tokenizer built and used once. */
    public static boolean tokenizerJson(byte[] data) {
        return Contract.parsesOrFailsClearly(() -> {
            Tokenizer t = Tokenizer.of(HfTokenizerJson.read(NAME, data));
            int[] ids = t.encode("hello <|endoftext|> wörld 123", true);
            t.decode(ids);
        });
    }

    /** GGUF bytes whose tokenizer.ggml.* metadata becomes a tokenizer (BPE or SentencePiece), used once. */
    public static boolean ggufTokenizer(byte[] data) {
        return Contract.parsesOrFailsClearly(() -> {
            Tokenizer t = Tokenizer.fromGguf(dev.bgl.format.FormatFuzzTargets.ggufMetadata(data));
            int[] ids = t.encode("hello <s> wörld 123 ab", true, true);
            t.decode(ids);
        });
    }

    /**
     * First byte: flags; then text (UTF-8, lossy) to encode, and the same bytes read as token ids to
     * decode. Beyond the contract: encode then decode gives the text back (parseSpecial) for
     * well-formed text, and ids out of range fail with a BglException, never an index error.
     */
    public static boolean encodeDecode(byte[] data) {
        return Contract.parsesOrFailsClearly(() -> {
            if (data.length == 0) return;
            boolean parseSpecial = (data[0] & 1) != 0;
            String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
            int[] ids = TINY.encode(text, parseSpecial);
            for (int id : ids)
                if (id < 0 || id >= TINY.vocabSize()) throw new AssertionError("encode gave id " + id + " outside the vocabulary");
            String back = TINY.decode(ids);
            if (parseSpecial && !back.equals(text))
                throw new AssertionError("decode(encode(s)) != s for " + Arrays.toString(text.codePoints().toArray()) + ": got " + back);
            StreamingDecoder sd = TINY.streamingDecoder();
            for (int id : ids) sd.accept(id);

            int[] raw = new int[(data.length - 1) / 2];
            for (int i = 0; i < raw.length; i++) raw[i] = (short) ((data[1 + 2 * i] & 0xff) | (data[2 + 2 * i] << 8));
            try {
                TINY.decode(raw);
            } catch (BglException e) {
                // an id outside the vocabulary: refused clearly
            }
        });
    }
}
