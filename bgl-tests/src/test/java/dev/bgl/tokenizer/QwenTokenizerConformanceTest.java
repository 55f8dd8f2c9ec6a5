package dev.bgl.tokenizer;

import dev.bgl.format.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.bgl.tokenizer.LlamaCppReference.quote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real Qwen3 vocabulary, written into a GGUF by bgl and tokenized by llama.cpp: our ids must be
 * llama.cpp's for every string of a corpus of tricky text, from the GGUF and from tokenizer.json.
 * The same vocabulary under the Llama-3 pre-tokenizer checks that split too.
 */
class QwenTokenizerConformanceTest {
    @TempDir
    static Path dir;
    static List<String> corpus;
    static Tokenizer fromGguf;
    static Tokenizer fromJson;
    static LlamaCppReference.Result reference;
    // GPT2 and DEFAULT also matched llama.cpp on this whole corpus when checked; left out here to keep
    // the test fast (each vocabulary load costs node ~3 s). Add them to re-check after changing PreTokenizer.
    static final PreTokenizer[] OTHER_PRES = {PreTokenizer.LLAMA3};
    static final List<Tokenizer> others = new ArrayList<>();
    static final List<LlamaCppReference.Result> otherReferences = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        corpus = LlamaCppReference.corpus("bpe-corpus.json");
        Path json = LlamaCppReference.qwen3TokenizerJson();
        TokenizerSpec spec = Tokenizer.specFromTokenizerJson(json);
        assertEquals(PreTokenizer.QWEN2, spec.pre());
        List<Path> ggufs = new ArrayList<>();
        ggufs.add(dir.resolve("qwen3-vocab.gguf"));
        LlamaCppReference.writeVocabGguf(spec, "qwen3", ggufs.getFirst());
        try (GgufFile f = GgufFile.open(ggufs.getFirst())) {
            fromGguf = Tokenizer.fromGguf(f.meta());
        }
        for (PreTokenizer pre : OTHER_PRES) {
            TokenizerSpec s = new TokenizerSpec(spec.model(), pre, spec.tokens(), spec.types(), spec.scores(), spec.merges(),
                    spec.bosId(), spec.eosId(), spec.padId(), spec.unkId(), spec.addBos(), spec.addEos(), spec.addSpacePrefix(), null, "test");
            Path g = dir.resolve("qwen3-vocab-" + pre + ".gguf");
            LlamaCppReference.writeVocabGguf(s, "qwen3", g);
            ggufs.add(g);
            try (GgufFile f = GgufFile.open(g)) {
                Tokenizer t = Tokenizer.fromGguf(f.meta());
                assertEquals(pre, ((BpeTokenizer) t).preTokenizer());
                others.add(t);
            }
        }
        fromJson = Tokenizer.of(spec);
        List<LlamaCppReference.Result> results = LlamaCppReference.tokenize(corpus, ggufs.toArray(Path[]::new));
        reference = results.getFirst();
        otherReferences.addAll(results.subList(1, results.size()));
    }

    @Test
    void corpusIsLargeEnough() {
        assertTrue(corpus.size() >= 200, "corpus has " + corpus.size() + " strings");
        assertEquals(List.of(9707, 1879), Arrays.stream(reference.tokens().get(0)).boxed().toList(), "llama.cpp's ids for 'Hello world'");
    }

    @Test
    void idsMatchLlamaCpp() {
        List<String> bad = LlamaCppReference.differences(fromGguf, corpus, reference);
        assertTrue(bad.isEmpty(), LlamaCppReference.report(bad, corpus.size()));
    }

    @Test
    void otherPreTokenizersMatchLlamaCpp() {
        for (int k = 0; k < OTHER_PRES.length; k++) {
            List<String> bad = LlamaCppReference.differences(others.get(k), corpus, otherReferences.get(k));
            assertTrue(bad.isEmpty(), OTHER_PRES[k] + ": " + LlamaCppReference.report(bad, corpus.size()));
        }
    }

    @Test
    void tokenizerJsonGivesTheSameIdsAsGguf() {
        for (String s : corpus) assertEquals(Arrays.toString(fromGguf.encode(s, true)), Arrays.toString(fromJson.encode(s, true)), quote(s));
        assertEquals(fromGguf.vocabSize(), fromJson.vocabSize());
        assertEquals(fromGguf.eosId(), fromJson.eosId());
        assertEquals(fromGguf.spec().chatTemplate(), fromJson.spec().chatTemplate());
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
    void streamingDecodeOfEveryStringEqualsDecode() {
        for (String s : corpus) {
            int[] ids = fromGguf.encode(s, true);
            StreamingDecoder d = fromGguf.streamingDecoder();
            StringBuilder b = new StringBuilder();
            for (int id : ids) {
                String part = d.accept(id);
                assertFalse(!part.isEmpty() && Character.isHighSurrogate(part.charAt(part.length() - 1)), "split surrogate pair");
                assertFalse(part.contains("\uFFFD") && !s.contains("\uFFFD"), "streaming emitted a partial character for " + quote(s));
                b.append(part);
            }
            b.append(d.flush());
            assertEquals(s, b.toString(), quote(s));
        }
    }

    @Test
    void specialTokensAndFlags() {
        int imStart = fromGguf.tokenId("<|im_start|>").orElseThrow();
        int think = fromGguf.tokenId("<think>").orElseThrow();
        assertEquals(TokenType.CONTROL, fromGguf.tokenType(imStart));
        assertEquals(TokenType.USER_DEFINED, fromGguf.tokenType(think));
        assertEquals(TokenType.CONTROL, fromGguf.tokenType(fromGguf.tokenId("<|fim_prefix|>").orElseThrow()), "looks special, so control");
        assertEquals(fromGguf.tokenId("<|im_end|>").orElseThrow(), fromGguf.eosId());
        assertEquals(fromGguf.tokenId("<|endoftext|>").orElseThrow(), fromGguf.padId());
        assertTrue(fromGguf.isEndOfGeneration(fromGguf.eosId()));
        assertTrue(fromGguf.isEndOfGeneration(fromGguf.tokenId("<|endoftext|>").orElseThrow()));
        assertFalse(fromGguf.isEndOfGeneration(think));
        assertFalse(fromGguf.addBos());
        assertTrue(fromGguf.spec().chatTemplate().contains("<|im_start|>"));
        // without parseSpecial, control tokens are plain text but user-defined ones still match (llama.cpp's rule)
        int[] plain = fromGguf.encode("<|im_start|><think>", false);
        assertTrue(plain.length > 2 && plain[plain.length - 1] == think && Arrays.stream(plain).noneMatch(t -> t == imStart), Arrays.toString(plain));
        assertEquals("<|im_start|><think>", fromGguf.decode(plain));
    }
}
