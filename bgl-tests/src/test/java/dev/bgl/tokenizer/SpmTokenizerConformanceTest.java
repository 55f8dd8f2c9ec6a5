package dev.bgl.tokenizer;

import dev.bgl.format.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.bgl.tokenizer.LlamaCppReference.quote;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A synthetic SentencePiece vocabulary, written as a {@code llama} GGUF and tokenized by llama.cpp
 * (with and without {@code add_space_prefix}): our ids must be llama.cpp's, byte fallback included.
 */
class SpmTokenizerConformanceTest {
    static final String SEED = """
            The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times;
            she sells sea shells by the sea shore, and the station of the nation is in motion. Hello world!
            Hello there, how are you? I am fine, thank you. The cat sat on the mat with the other cat.
            café naïve résumé über straße piñata. Numbers: 1 2 3 10 100 2024. Code: def f(x): return x + 1
            to be or not to be, that is the question. Peter Piper picked a peck of pickled peppers.
            """;

    @TempDir
    static Path dir;
    static List<String> corpus;
    static Tokenizer withPrefix, noPrefix;
    static LlamaCppReference.Result refWithPrefix, refNoPrefix;

    @BeforeAll
    static void setUp() throws Exception {
        corpus = LlamaCppReference.corpus("spm-corpus.json");
        TokenizerSpec spec = TokenizerGguf.syntheticSpm(SEED, 300);
        TokenizerSpec bare = new TokenizerSpec(spec.model(), null, spec.tokens(), spec.types(), spec.scores(), spec.merges(),
                spec.bosId(), spec.eosId(), spec.padId(), spec.unkId(), spec.addBos(), spec.addEos(), false, null, "test");
        Path a = dir.resolve("spm.gguf"), b = dir.resolve("spm-no-prefix.gguf");
        LlamaCppReference.writeVocabGguf(spec, "llama", a);
        LlamaCppReference.writeVocabGguf(bare, "llama", b);
        try (GgufFile f = GgufFile.open(a)) {
            withPrefix = Tokenizer.fromGguf(f.meta());
        }
        try (GgufFile f = GgufFile.open(b)) {
            noPrefix = Tokenizer.fromGguf(f.meta());
        }
        List<LlamaCppReference.Result> r = LlamaCppReference.tokenize(corpus, a, b);
        refWithPrefix = r.get(0);
        refNoPrefix = r.get(1);
    }

    @Test
    void vocabularyIsWhatTheTestNeeds() {
        assertTrue(withPrefix.vocabSize() > 400 && withPrefix.vocabSize() < 800, "vocab size " + withPrefix.vocabSize());
        assertTrue(withPrefix instanceof SpmTokenizer);
        assertTrue(withPrefix.spec().addSpacePrefix() && !noPrefix.spec().addSpacePrefix());
        assertTrue(withPrefix.addBos());
        assertEquals(1, withPrefix.bosId());
        // byte fallback really happens in the corpus: "你好" is absent from the vocabulary
        int[] ids = refWithPrefix.tokens().get(corpus.indexOf("你好"));
        assertTrue(Arrays.stream(ids).filter(t -> withPrefix.tokenType(t) == TokenType.BYTE).count() == 6, Arrays.toString(ids));
    }

    @Test
    void idsMatchLlamaCppWithSpacePrefix() {
        List<String> bad = LlamaCppReference.differences(withPrefix, corpus, refWithPrefix);
        assertTrue(bad.isEmpty(), LlamaCppReference.report(bad, corpus.size()));
    }

    @Test
    void idsMatchLlamaCppWithoutSpacePrefix() {
        List<String> bad = LlamaCppReference.differences(noPrefix, corpus, refNoPrefix);
        assertTrue(bad.isEmpty(), LlamaCppReference.report(bad, corpus.size()));
    }

    @Test
    void decodeInvertsEncode() {
        for (Tokenizer t : List.of(withPrefix, noPrefix))
            for (String s : corpus) {
                if (s.indexOf('\u2581') >= 0) continue; // a literal ▁ is a space to SentencePiece; it cannot round-trip
                assertEquals(s, t.decode(t.encode(s, true)), quote(s));
                assertEquals("<s>" + s, t.decode(t.encode(s, true, true)), "with BOS: " + quote(s));
            }
    }

    @Test
    void emptyTextIsNoTokens() {
        assertEquals(0, withPrefix.encode("", true).length);
        assertArrayEquals(new int[]{withPrefix.bosId()}, withPrefix.encode("", true, true));
    }

    @Test
    void streamingInverseDecoderEqualsDecode() {
        for (String s : corpus) {
            int[] ids = withPrefix.encode(s, true, true);
            StreamingDecoder d = new StreamingDecoder(withPrefix, true, true);
            StringBuilder b = new StringBuilder();
            for (int id : ids) b.append(d.accept(id));
            assertEquals(withPrefix.decode(ids), b.append(d.flush()).toString(), quote(s));
        }
    }

    @Test
    void decodeMatchesLlamaCppDetokenizeWithoutInnerSpecials() {
        // llama.cpp strips the prefixed space of the first token only; bgl also after each special token
        for (int i = 0; i < corpus.size(); i++) {
            int[] ids = refWithPrefix.tokens().get(i);
            boolean innerSpecial = Arrays.stream(ids).skip(1).anyMatch(withPrefix::isSpecial);
            if (innerSpecial || withPrefix.isSpecial(ids[0])) continue;
            assertEquals(refWithPrefix.text().get(i), withPrefix.decode(ids), quote(corpus.get(i)));
        }
    }
}
