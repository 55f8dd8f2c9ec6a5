package dev.bgl.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufValue;
import dev.bgl.format.GgufWriter;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading tokenizers from tokenizer.json and GGUF: the good cases agree, the bad ones fail clearly. */
class TokenizerLoadingTest {
    @TempDir
    Path dir;

    private String failureOf(Consumer<ObjectNode> damage) throws Exception {
        ObjectNode json = TinyBpe.tokenizerJson(false);
        damage.accept(json);
        Path p = TinyBpe.write(dir, json);
        BglException e = assertThrows(BglException.class, () -> Tokenizer.fromTokenizerJson(p));
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void badTokenizerJsonFailsClearly() throws Exception {
        assertTrue(failureOf(j -> j.remove("model")).contains("'model'"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("model")).put("type", "WordPiece")).contains("WordPiece"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("model")).remove("vocab")).contains("model.vocab"));
        assertTrue(failureOf(j -> ((ArrayNode) j.get("model").get("merges")).add("h zzz")).contains("'zzz'"));
        assertTrue(failureOf(j -> ((ArrayNode) j.get("model").get("merges")).add("nospace")).contains("model.merges[6]"));
        assertTrue(failureOf(j -> ((ArrayNode) j.get("model").get("merges")).add(5)).contains("model.merges[6]"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("model").get("vocab")).put("h", -3)).contains("model.vocab['h']"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("model").get("vocab")).put("h", 10)).contains("id 10"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("added_tokens").get(0)).put("id", 2_000_000_000)).contains("2000000000"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("added_tokens").get(0)).put("id", "x")).contains("added_tokens[0].id"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("added_tokens").get(0)).put("id", 7)).contains("model.vocab"));
        assertTrue(failureOf(j -> j.remove("pre_tokenizer")).contains("pre_tokenizer"));
        assertTrue(failureOf(j -> ((ObjectNode) j.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern")).put("Regex", "\\w+")).contains("\\w+"));
        assertTrue(failureOf(j -> j.putObject("normalizer").put("type", "Lowercase")).contains("Lowercase"));
    }

    @Test
    void notJsonOrMissingFile() throws Exception {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{ not json");
        assertTrue(assertThrows(BglException.class, () -> Tokenizer.fromTokenizerJson(p)).getMessage().contains("not valid JSON"));
        Path missing = dir.resolve("nope/tokenizer.json");
        assertTrue(assertThrows(BglException.class, () -> Tokenizer.fromTokenizerJson(missing)).getMessage().contains("no such file"));
    }

    @Test
    void badTokenizerConfigFailsClearly() throws Exception {
        Path p = TinyBpe.write(dir, TinyBpe.tokenizerJson(false));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|nope|>\"}");
        BglException e = assertThrows(BglException.class, () -> Tokenizer.fromTokenizerJson(p));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("<|nope|>"), e.getMessage());
    }

    @Test
    void mergesAsStringsOrPairsAreTheSame() throws Exception {
        Tokenizer a = Tokenizer.fromTokenizerJson(TinyBpe.write(dir.resolve("a"), TinyBpe.tokenizerJson(false)));
        Tokenizer b = Tokenizer.fromTokenizerJson(TinyBpe.write(dir.resolve("b"), TinyBpe.tokenizerJson(true)));
        assertArrayEquals(a.spec().merges(), b.spec().merges());
        String s = "hello hello hx<think>你<|endoftext|>";
        assertArrayEquals(a.encode(s, true), b.encode(s, true));
        // hand-checked: h+e (rank 0) wins over Ġ+h (rank 4), so " hello" is Ġ + hello; " hx" is Ġh + x
        int hello = a.tokenId("hello").orElseThrow(), gh = a.tokenId("Ġh").orElseThrow(), ll = a.tokenId("ll").orElseThrow();
        int[] ids = a.encode(s, true);
        assertArrayEquals(new int[]{hello, ' ', hello, gh, 'x'}, Arrays.copyOf(ids, 5));
        assertEquals(a.tokenId("<think>").orElseThrow(), ids[5]);
        assertTrue(ll > 255);
        assertEquals(a.tokenId("<|endoftext|>").orElseThrow(), ids[ids.length - 1]);
        assertEquals(s, a.decode(ids));
    }

    @Test
    void ggufRoundTripWithPaddingAndConfig() throws Exception {
        Path json = TinyBpe.write(dir, TinyBpe.tokenizerJson(true));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"eos_token": "<|endoftext|>", "pad_token": {"content": "<|endoftext|>"}, "add_bos_token": false,
                 "chat_template": "{{ messages }}"}""");
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", "qwen3");
        TokenizerSpec written = TokenizerGguf.putTokenizerJson(json, w, 300);
        Path gguf = dir.resolve("t.gguf");
        w.write(gguf);
        try (GgufFile f = GgufFile.open(gguf)) {
            assertEquals("gpt2", f.meta().string("tokenizer.ggml.model"));
            assertEquals("qwen2", f.meta().string("tokenizer.ggml.pre"));
            Tokenizer t = Tokenizer.fromGguf(f.meta());
            assertEquals(300, t.vocabSize());
            assertEquals("[PAD299]", t.tokenText(299));
            assertEquals(TokenType.UNUSED, t.tokenType(299));
            assertEquals(0, t.tokenBytes(299).length);
            int eot = t.tokenId("<|endoftext|>").orElseThrow();
            assertEquals(eot, t.eosId());
            assertEquals(eot, t.padId());
            assertEquals(-1, t.bosId());
            assertEquals(TokenType.CONTROL, t.tokenType(eot));
            assertEquals(TokenType.USER_DEFINED, t.tokenType(t.tokenId("<think>").orElseThrow()));
            assertEquals("{{ messages }}", t.spec().chatTemplate());
            assertArrayEquals(written.merges(), t.spec().merges());
            assertArrayEquals(written.tokens(), t.spec().tokens());
        }
    }

    /** A GGUF with a valid tiny tokenizer, then one key replaced. */
    private String ggufFailure(String key, GgufValue value) throws Exception {
        GgufWriter w = new GgufWriter();
        Tokenizer.specFromTokenizerJson(TinyBpe.write(dir, TinyBpe.tokenizerJson(true))).writeTo(w);
        if (value == null) w.put(key, GgufValue.of("")); // placeholder, removed below
        else w.put(key, value);
        Path gguf = dir.resolve("bad.gguf");
        w.write(gguf);
        try (GgufFile f = GgufFile.open(gguf)) {
            var meta = f.meta();
            if (value == null) {
                var m = new java.util.LinkedHashMap<>(meta.values());
                m.remove(key);
                meta = new dev.bgl.format.GgufMetadata(meta.file(), m);
            }
            var finalMeta = meta;
            BglException e = assertThrows(BglException.class, () -> Tokenizer.fromGguf(finalMeta));
            assertTrue(e.getMessage().contains(gguf.toString()), "names the file: " + e.getMessage());
            return e.getMessage();
        }
    }

    @Test
    void badGgufTokenizerFailsClearly() throws Exception {
        assertTrue(ggufFailure("tokenizer.ggml.eos_token_id", GgufValue.ofU32(5000)).contains("eos_token_id"));
        assertTrue(ggufFailure("tokenizer.ggml.pre", GgufValue.of("klingon")).contains("klingon"));
        assertTrue(ggufFailure("tokenizer.ggml.model", GgufValue.of("bert")).contains("bert"));
        assertTrue(ggufFailure("tokenizer.ggml.merges", null).contains("merges"));
        assertTrue(ggufFailure("tokenizer.ggml.tokens", null).contains("tokenizer.ggml.tokens"));
        assertTrue(ggufFailure("tokenizer.ggml.token_type",
                GgufValue.ofArray(new GgufValue.GgufArray(dev.bgl.format.GgufValueType.INT32, new long[]{1, 2}))).contains("token_type"));
        assertTrue(ggufFailure("tokenizer.ggml.merges",
                GgufValue.ofArray(new GgufValue.GgufArray(dev.bgl.format.GgufValueType.STRING, new String[]{"h qqq"}))).contains("qqq"));
    }

    @Test
    void syntheticSpmVocabulary() {
        TokenizerSpec s = TokenizerGguf.syntheticSpm("hello world hello there", 50);
        assertEquals("llama", s.model());
        assertNull(s.pre());
        assertEquals("<0x0A>", s.tokens()[3 + 0x0A]);
        assertEquals(TokenType.BYTE, s.types()[3 + 0x0A]);
        Tokenizer t = Tokenizer.of(s);
        int hello = t.tokenId("▁hello").orElseThrow();
        assertArrayEquals(new int[]{hello}, t.encode("hello", false));
        // a character absent from the vocabulary falls back to its UTF-8 bytes
        int[] ids = t.encode("é", false);
        assertEquals(3, ids.length, Arrays.toString(ids)); // ▁, 0xC3, 0xA9
        assertEquals(t.tokenId("<0xC3>").orElseThrow(), ids[1]);
        assertEquals("é", t.decode(ids));
    }

    @Test
    void tokenIdsOutOfRangeAreClearErrors() throws Exception {
        Tokenizer t = Tokenizer.fromTokenizerJson(TinyBpe.write(dir, TinyBpe.tokenizerJson(true)));
        assertThrows(BglException.class, () -> t.decode(new int[]{t.vocabSize()}));
        assertThrows(BglException.class, () -> t.tokenText(-1));
        assertThrows(BglException.class, () -> t.streamingDecoder().accept(1 << 30));
    }
}
