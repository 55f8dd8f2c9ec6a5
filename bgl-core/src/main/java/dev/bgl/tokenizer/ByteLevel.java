package dev.bgl.tokenizer;

/**
 * GPT-2's reversible byte↔unicode mapping: every byte becomes one printable code point, so that a
 * byte-level BPE vocabulary can be stored as text. Printable Latin-1 bytes map to themselves; the
 * other 68 bytes map to U+0100.. in byte order.
 */
final class ByteLevel {
    /** Code point for each byte. */
    static final int[] BYTE_TO_CHAR = new int[256];
    /** Byte for each code point below 324, or -1. */
    private static final int[] CHAR_TO_BYTE = new int[324];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int c = printable ? b : 256 + n++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The byte a code point of the mapping stands for, or -1 when it is not part of the mapping. */
    static int byteOf(int codePoint) {
        return codePoint >= 0 && codePoint < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[codePoint] : -1;
    }

    /** The byte-level (vocabulary) form of raw bytes. */
    static String encode(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) sb.appendCodePoint(BYTE_TO_CHAR[bytes[i] & 0xFF]);
        return sb.toString();
    }
}
