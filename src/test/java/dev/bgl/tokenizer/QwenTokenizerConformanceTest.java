package dev.bgl.tokenizer;

import dev.bgl.format.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real Qwen3 vocabulary, written into a GGUF by bgl and tokenized by llama.cpp: our ids must be
 * llama.cpp's for every string of a corpus of tricky text, from the GGUF and from tokenizer.json.
 */
class QwenTokenizerConformanceTest {
    @TempDir
    static Path dir;
    static List<String> corpus;
    static Tokenizer fromGguf;
    static Tokenizer fromJson;
    static LlamaCppReference.Result reference;

    @BeforeAll
    static void setUp() throws Exception {
        corpus = LlamaCppReference.corpus("bpe-corpus.json");
        Path json = LlamaCppReference.qwen3TokenizerJson();
        TokenizerSpec spec = Tokenizer.specFromTokenizerJson(json);
        Path gguf = dir.resolve("qwen3-vocab.gguf");
        LlamaCppReference.writeVocabGguf(spec, "qwen3", gguf);
        try (GgufFile f = GgufFile.open(gguf)) {
            fromGguf = Tokenizer.fromGguf(f.meta());
        }
        fromJson = Tokenizer.fromTokenizerJson(json);
        reference = LlamaCppReference.tokenize(gguf, corpus);
    }

    @Test
    void corpusIsLargeEnough() {
        assertTrue(corpus.size() >= 200, "corpus has " + corpus.size() + " strings");
    }

    @Test
    void idsMatchLlamaCpp() {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            int[] ours = fromGguf.encode(corpus.get(i), true);
            int[] theirs = reference.tokens().get(i);
            if (!Arrays.equals(ours, theirs))
                bad.add(quote(corpus.get(i)) + "\n   bgl:      " + Arrays.toString(ours) + "\n   llama.cpp: " + Arrays.toString(theirs));
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + corpus.size() + " strings differ:\n" + String.join("\n", bad.subList(0, Math.min(10, bad.size()))));
    }

    @Test
    void tokenizerJsonGivesTheSameIdsAsGguf() {
        for (String s : corpus) assertEquals(Arrays.toString(fromGguf.encode(s, true)), Arrays.toString(fromJson.encode(s, true)), quote(s));
        assertEquals(fromGguf.vocabSize(), fromJson.vocabSize());
        assertEquals(fromGguf.eosId(), fromJson.eosId());
    }

    @Test
    void decodeInvertsEncode() {
        for (String s : corpus) assertEquals(s, fromGguf.decode(fromGguf.encode(s, true)), quote(s));
    }

    @Test
    void decodeMatchesLlamaCppDetokenize() {
        for (int i = 0; i < corpus.size(); i++)
            assertEquals(reference.text().get(i), fromGguf.decode(reference.tokens().get(i)), quote(corpus.get(i)));
    }

    @Test
    void specialTokensAndFlags() {
        int imStart = fromGguf.tokenId("<|im_start|>").orElseThrow();
        int think = fromGguf.tokenId("<think>").orElseThrow();
        assertEquals(TokenType.CONTROL, fromGguf.tokenType(imStart));
        assertEquals(TokenType.USER_DEFINED, fromGguf.tokenType(think));
        assertEquals(fromGguf.tokenId("<|im_end|>").orElseThrow(), fromGguf.eosId());
        assertTrue(fromGguf.isEndOfGeneration(fromGguf.eosId()));
        assertTrue(!fromGguf.addBos());
        // without parseSpecial, control tokens are text but user-defined ones still match (llama.cpp rule)
        int[] plain = fromGguf.encode("<|im_start|><think>", false);
        assertTrue(plain.length > 2 && plain[plain.length - 1] == think && Arrays.stream(plain).noneMatch(t -> t == imStart), Arrays.toString(plain));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.getType(c) == Character.FORMAT) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.append('"').toString();
    }
}
