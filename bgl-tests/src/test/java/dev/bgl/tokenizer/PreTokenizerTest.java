package dev.bgl.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Splits worked out by hand from the regexes (what HF tokenizers' Rust regex gives). */
class PreTokenizerTest {
    static List<String> split(PreTokenizer p, String s) {
        int[] cps = s.codePoints().toArray();
        List<String> words = new ArrayList<>();
        int start = 0;
        for (int end : p.split(cps)) {
            words.add(new String(cps, start, end - start));
            start = end;
        }
        return words;
    }

    @Test
    void qwen2() {
        PreTokenizer q = PreTokenizer.QWEN2;
        assertEquals(List.of("Hello", " world"), split(q, "Hello world"));
        assertEquals(List.of("Hello", " ", " world"), split(q, "Hello  world"), "\\s+(?!\\S) leaves the last space to the word");
        assertEquals(List.of("x", "  "), split(q, "x  "), "trailing spaces stay together");
        assertEquals(List.of("abc", "1", "2", "3"), split(q, "abc123"));
        assertEquals(List.of("I", "'M"), split(q, "I'M"), "contractions are case-insensitive");
        assertEquals(List.of("a", "\n\n", "b"), split(q, "a\n\nb"));
        assertEquals(List.of("a", " \n", " b"), split(q, "a \n b"));
        assertEquals(List.of("\tb"), split(q, "\tb"), "one non-letter may lead a letter run");
        assertEquals(List.of(" {\n"), split(q, " {\n"), "punctuation takes a leading space and trailing newlines");
        assertEquals(List.of("你好", "，世界"), split(q, "你好，世界"), "a punctuation mark leads the next letter run");
        assertEquals(List.of("x", "\u3000", "\u3000y"), split(q, "x\u3000\u3000y"), "ideographic space is \\s and may lead letters");
    }

    @Test
    void llama3DigitsInThrees() {
        assertEquals(List.of("123", "45"), split(PreTokenizer.LLAMA3, "12345"));
        assertEquals(List.of("1", "2", "3", "4", "5"), split(PreTokenizer.QWEN2, "12345"));
    }

    @Test
    void gpt2() {
        PreTokenizer g = PreTokenizer.GPT2;
        assertEquals(List.of("Hello", " world", "!!"), split(g, "Hello world!!"));
        assertEquals(List.of("I", "'m", " 12345"), split(g, "I'm 12345"));
        assertEquals(List.of("I", "'", "M"), split(g, "I'M"), "GPT-2 contractions are lower-case only");
    }

    @Test
    void gpt4o() {
        PreTokenizer o = PreTokenizer.GPT4O;
        assertEquals(o, PreTokenizer.ofGgufName("gpt-4o"));
        assertEquals("gpt-4o", o.ggufName());
        assertEquals(List.of("camel", "Case", "HTTPServer", "ID"), split(o, "camelCaseHTTPServerID"), "a word is upper-case letters then lower-case ones");
        assertEquals(List.of("I'M", " you're", " DON'T"), split(o, "I'M you're DON'T"), "contractions stay on their word");
        assertEquals(List.of("123", "456", "7"), split(o, "1234567"));
        assertEquals(List.of(" //\n", "x"), split(o, " //\nx"), "punctuation takes trailing slashes and newlines");
        assertEquals(List.of("\u00c9", "COLE"), split(o, "\u00c9COLE"), "as in llama.cpp, a non-ASCII letter is both cases");
        assertEquals(List.of("e", "\u0301"), split(o, "e\u0301"), "as in llama.cpp, a combining mark is not a letter");
        assertEquals(List.of("x", " ", " y", "  "), split(o, "x  y  "));
        assertEquals(null, PreTokenizer.ofGgufName("o200k"), "unknown names stay unknown");
    }
}
