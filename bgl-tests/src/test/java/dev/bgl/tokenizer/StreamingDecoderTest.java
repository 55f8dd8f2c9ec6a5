package dev.bgl.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamingDecoderTest {
    @TempDir
    Path dir;

    private Tokenizer tiny() throws Exception {
        return Tokenizer.fromTokenizerJson(TinyBpe.write(dir, TinyBpe.tokenizerJson(true)));
    }

    private static int byteToken(int b) {
        return b; // TinyBpe gives byte b the id b
    }

    @Test
    void holdsBackACharacterSplitOverTwoTokens() throws Exception {
        Tokenizer t = tiny();
        int[] ids = t.encode("你", false);
        assertEquals(2, ids.length, "你 is two tokens in the tiny vocabulary: its first two bytes, then the third");
        StreamingDecoder d = t.streamingDecoder();
        assertEquals("", d.accept(ids[0]));
        assertEquals(2, d.pendingBytes());
        assertEquals("你", d.accept(ids[1]));
        assertEquals(0, d.pendingBytes());
    }

    @Test
    void emojiByteByByte() throws Exception {
        Tokenizer t = tiny();
        byte[] utf8 = "a😀b".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StreamingDecoder d = t.streamingDecoder();
        StringBuilder seen = new StringBuilder();
        String[] outs = new String[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            outs[i] = d.accept(byteToken(utf8[i] & 0xFF));
            seen.append(outs[i]);
        }
        assertArrayEquals(new String[]{"a", "", "", "", "😀", "b"}, outs);
        assertEquals("a😀b", seen.toString());
    }

    @Test
    void invalidBytesBecomeReplacementCharactersAtOnce() throws Exception {
        Tokenizer t = tiny();
        StreamingDecoder d = t.streamingDecoder();
        assertEquals("\uFFFD", d.accept(byteToken(0x80)), "a lone continuation byte can never complete");
        assertEquals("", d.accept(byteToken(0xE4)));
        assertEquals("\uFFFDx", d.accept(byteToken('x')), "a lead byte followed by ASCII is broken");
        assertEquals("", d.accept(byteToken(0xF0)));
        assertEquals("", d.accept(byteToken(0x9F)));
        assertEquals("\uFFFD", d.flush(), "an unfinished character at the end of the stream");
        assertEquals("\uFFFD", t.decode(new int[]{byteToken(0xFF)}));
    }

    @Test
    void specialTokensRenderedOrNot() throws Exception {
        Tokenizer t = tiny();
        int eot = t.tokenId("<|endoftext|>").orElseThrow();
        assertEquals("<|endoftext|>", t.streamingDecoder().accept(eot));
        assertEquals("", new StreamingDecoder(t, false, false).accept(eot));
        int think = t.tokenId("<think>").orElseThrow();
        assertEquals("<think>", new StreamingDecoder(t, false, false).accept(think), "user-defined tokens are text");
    }

    @Test
    void completePrefixRules() {
        byte[] b = {(byte) 'a', (byte) 0xE4, (byte) 0xBD};
        assertEquals(1, StreamingDecoder.completePrefix(b, 3));
        assertEquals(1, StreamingDecoder.completePrefix(b, 2));
        byte[] four = "😀".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(4, StreamingDecoder.completePrefix(four, 4));
        assertEquals(0, StreamingDecoder.completePrefix(four, 3));
        assertEquals(0, StreamingDecoder.completePrefix(four, 1));
    }
}
