package dev.bgl.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns token ids, one at a time, into text that is always valid UTF-8: a multi-byte character
 * split across tokens (common with byte-level BPE for CJK and emoji) is held back until its last
 * byte arrives. Bytes that can never become valid UTF-8 come out as U+FFFD. One per session; not
 * thread-safe.
 */
public final class StreamingDecoder {
    private final Vocab vocab;
    private final boolean renderSpecial;
    private final boolean inverseOfEncode;
    private byte[] pending = new byte[16];
    private int n;
    private int prevId = -1;

    /**
     * @param renderSpecial   write control tokens as their text (else they produce nothing)
     * @param inverseOfEncode strip the SentencePiece ▁ that encoding prefixes at the start and after
     *                        special tokens, as {@link Tokenizer#decode(int[])} does
     */
    public StreamingDecoder(Tokenizer tokenizer, boolean renderSpecial, boolean inverseOfEncode) {
        this.vocab = Vocab.of(tokenizer);
        this.renderSpecial = renderSpecial;
        this.inverseOfEncode = inverseOfEncode;
    }

    /** Adds one token; returns the text that is now complete (often "", never a partial character). */
    public String accept(int id) {
        vocab.checkId(id);
        byte[] p = vocab.pieces[id];
        boolean skipControl = !renderSpecial && (vocab.types[id] == TokenType.CONTROL || vocab.types[id] == TokenType.UNKNOWN);
        if (p != null && !skipControl) {
            int skip = inverseOfEncode && vocab.stripsSpace(prevId, id) && p.length > 0 && p[0] == ' ' ? 1 : 0;
            append(p, skip);
        }
        prevId = id;
        int cut = completePrefix(pending, n);
        if (cut == 0) return "";
        String s = new String(pending, 0, cut, StandardCharsets.UTF_8);
        System.arraycopy(pending, cut, pending, 0, n - cut);
        n -= cut;
        return s;
    }

    /** Ends the stream: whatever is held back comes out (an unfinished character as U+FFFD). */
    public String flush() {
        String s = new String(pending, 0, n, StandardCharsets.UTF_8);
        n = 0;
        return s;
    }

    /** Bytes held back, waiting for the rest of a character. */
    public int pendingBytes() {
        return n;
    }

    private void append(byte[] p, int from) {
        int len = p.length - from;
        if (n + len > pending.length) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, n + len));
        System.arraycopy(p, from, pending, n, len);
        n += len;
    }

    /**
     * The length of the prefix of {@code b[0..n)} that does not end inside a character which the
     * next bytes could still complete. Only the last three bytes can be such an unfinished start.
     */
    static int completePrefix(byte[] b, int n) {
        for (int i = n - 1; i >= Math.max(0, n - 3); i--) {
            int c = b[i] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: look further back for its lead
            int need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? (c <= 0xEF ? 3 : 0) : c >= 0xC2 ? 2 : 0;
            return need > 0 && i + need > n ? i : n;
        }
        return n;
    }
}
