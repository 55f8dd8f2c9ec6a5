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
 * The real gpt-4o (o200k_base) vocabulary, which gpt-oss uses, written into a GGUF by bgl with
 * {@code tokenizer.ggml.pre = gpt-4o} and tokenized by llama.cpp: our ids must be llama.cpp's for
 * the tricky-text corpus of the Qwen3 test plus strings aimed at this split (case changes inside
 * words, contractions glued to words, digits in threes, slashes after punctuation, combining marks).
 */
class Gpt4oTokenizerConformanceTest {
    @TempDir
    static Path dir;
    static List<String> corpus;
    static Tokenizer fromGguf;
    static Tokenizer fromJson;
    static LlamaCppReference.Result reference;

    /** Where o200k's split differs most from the others'. */
    static final List<String> EXTRA = List.of(
            "camelCaseWord HTTPServer iPhone XMLHttpRequest getHTTPResponseCode",
            "ÉCOLE École éCOLE ÀBC straße STRASSE ǅemal", "I'M you'RE They'll WE'VE don'T",
            "1234567 12,345.678 3.14159 v2.0.1 0x1F 1e-9", "path/to/file.txt // comment /* c */ a//b ://",
            "e\u0301te\u0301 n\u0303o cafe\u0301 a\u0308b\u0308c", "naïve résumé Ünïcödé ΑΒΓ αβγ ΣΊΣΥΦΟΣ Привет МИР",
            "日本語のテキスト、カタカナ。한국어 텍스트 中文，标点！", "😀👍🏽 👨‍👩‍👧 🇺🇸 ❤️ emoji😀word",
            "tab\there\r\nCRLF\n\n\n  indented\n\t\tx  \n", "  leading and trailing  ", "\u00a0nbsp\u2009thin\u3000ideo\u200bzw",
            "def f(x):\n    return x**2 + 1  # square\n", "if (a&&b||!c) { x->y = *p++; }", "<html><body class=\"x\">Hi</body></html>",
            "'''quoted''' \"\"\"docstring\"\"\" `code`", "$100 €20 ¥300 50% #tag @user", "ALLCAPS lowercase MiXeD mIxEd",
            "ａｂｃ ＡＢＣ １２３ full-width", "x².y³ ½ ⅓ Ⅻ ① ٣٤٥ ४५६", "a\u000bb\u000cc\u0085d\u2028e");

    @BeforeAll
    static void setUp() throws Exception {
        corpus = new ArrayList<>(LlamaCppReference.corpus("bpe-corpus.json"));
        corpus.addAll(EXTRA);
        Path json = LlamaCppReference.gpt4oTokenizerJson();
        TokenizerSpec spec = Tokenizer.specFromTokenizerJson(json);
        assertEquals(PreTokenizer.GPT4O, spec.pre(), "tokenizer.json's o200k regex is recognised");
        Path gguf = dir.resolve("gpt4o-vocab.gguf");
        LlamaCppReference.writeVocabGguf(spec, "qwen3", gguf);
        try (GgufFile f = GgufFile.open(gguf)) {
            assertEquals("gpt-4o", f.meta().string("tokenizer.ggml.pre", null));
            fromGguf = Tokenizer.fromGguf(f.meta());
        }
        fromJson = Tokenizer.of(spec);
        reference = LlamaCppReference.tokenize(corpus, gguf).getFirst();
    }

    @Test
    void referenceIsTheRealVocabulary() {
        assertTrue(fromGguf.vocabSize() >= 200_000, "o200k has " + fromGguf.vocabSize() + " tokens");
        // a word split at its case change: o200k's split, not Qwen2's (which keeps letter runs whole)
        assertTrue(reference.tokens().get(corpus.indexOf(EXTRA.getFirst())).length > 5);
        assertEquals(PreTokenizer.GPT4O, ((BpeTokenizer) fromGguf).preTokenizer());
    }

    @Test
    void idsMatchLlamaCpp() {
        List<String> bad = LlamaCppReference.differences(fromGguf, corpus, reference);
        assertTrue(bad.isEmpty(), LlamaCppReference.report(bad, corpus.size()));
    }

    @Test
    void tokenizerJsonGivesTheSameIdsAsGguf() {
        for (String s : corpus) assertEquals(Arrays.toString(fromGguf.encode(s, true)), Arrays.toString(fromJson.encode(s, true)), quote(s));
    }

    @Test
    void decodeInvertsEncodeAndMatchesLlamaCpp() {
        for (int i = 0; i < corpus.size(); i++) {
            String s = corpus.get(i);
            assertEquals(s, fromGguf.decode(fromGguf.encode(s, true)), quote(s));
            assertEquals(reference.text().get(i), fromGguf.decode(reference.tokens().get(i)), quote(s));
        }
    }

    /**
     * gpt-oss's vocabulary is o200k with harmony's control tokens at their ids (o200k_harmony): there, harmony's
     * thinking markers are 3 and 6 tokens, the close starting with the control token {@code <|end|>}, on which the
     * decode loop closes the thinking ({@code ThinkingFormat}); {@code <|end|>} ends a message, not the turn, as
     * llama.cpp decides for this vocabulary: generation ends at {@code <|return|>} or {@code <|call|>}.
     */
    @Test
    void harmonyMarkersAreSeveralTokensOfGptOssVocabulary() {
        TokenizerSpec o200k = fromJson.spec().paddedTo(201_088);
        String[] tokens = o200k.tokens().clone();
        TokenType[] types = o200k.types().clone();
        String[][] harmony = {{"200002", "<|return|>"}, {"200003", "<|constrain|>"}, {"200005", "<|channel|>"}, {"200006", "<|start|>"},
                {"200007", "<|end|>"}, {"200008", "<|message|>"}, {"200012", "<|call|>"}};
        for (String[] h : harmony) {
            tokens[Integer.parseInt(h[0])] = h[1];
            types[Integer.parseInt(h[0])] = TokenType.CONTROL;
        }
        Tokenizer t = Tokenizer.of(new TokenizerSpec(o200k.model(), o200k.pre(), tokens, types, o200k.scores(), o200k.merges(),
                o200k.bosId(), o200k.eosId(), o200k.padId(), o200k.unkId(), o200k.addBos(), o200k.addEos(), o200k.addSpacePrefix(), null, "o200k_harmony"));
        int[] open = t.encode(dev.bgl.chat.ThinkingMarkers.HARMONY.open(), true);
        int[] close = t.encode(dev.bgl.chat.ThinkingMarkers.HARMONY.close(), true);
        assertEquals(3, open.length, Arrays.toString(open));
        assertEquals(200005, open[0]);
        assertEquals(200008, open[2]);
        assertEquals(6, close.length, Arrays.toString(close));
        assertEquals(List.of(200007, 200006), List.of(close[0], close[1]));
        assertEquals(dev.bgl.chat.ThinkingMarkers.HARMONY.close(), t.decode(close));
        assertTrue(t.isSpecial(close[0]), "the close starts with a control token: the loop can follow it");
        assertFalse(t.isEndOfGeneration(200007), "<|end|> ends the analysis message, not the generation");
        assertTrue(t.isEndOfGeneration(200002) && t.isEndOfGeneration(200012), "<|return|> and <|call|> end it");

        // a gpt-oss reply as the loop follows it: the analysis is the thinking, the final channel the answer
        var format = new dev.bgl.decode.ThinkingFormat(open, close, dev.bgl.decode.ThinkingFormat.Phase.BEFORE);
        var state = new dev.bgl.decode.ThinkingState(format);
        int[] thought = t.encode("User asks 2+2. Answer 4.", true), reply = t.encode(
                "<|channel|>analysis<|message|>User asks 2+2. Answer 4.<|end|><|start|>assistant<|channel|>final<|message|>4<|return|>", true);
        for (int id : reply) state.accept(id);
        assertEquals(thought.length, state.spent());
        assertEquals(3, state.from());
        assertEquals(3 + thought.length, state.close());
        assertEquals(reply.length - 2, state.answerFrom(), "the answer is '4' and <|return|>");
    }
}
