package dev.bgl.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The runtime tables both tokenizers share: texts, types, text→id, the decoded bytes of every
 * token, and the special tokens searched for in raw text.
 */
final class Vocab {
    final TokenizerSpec spec;
    final String[] texts;
    final TokenType[] types;
    final Map<String, Integer> ids;
    /** What each token decodes to (null: nothing, e.g. unused tokens). */
    final byte[][] pieces;
    /** Tokens matched in raw text before tokenization, longest (in UTF-8 bytes) first, as llama.cpp orders them. */
    final int[] specialsByLength;
    final boolean[] endOfGeneration;

    Vocab(TokenizerSpec spec, java.util.function.IntFunction<byte[]> normalPiece) {
        this.spec = spec;
        this.texts = spec.tokens();
        this.types = spec.types();
        this.ids = spec.idsByText();
        int n = texts.length;
        pieces = new byte[n][];
        List<Integer> specials = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pieces[i] = switch (types[i]) {
                case NORMAL -> normalPiece.apply(i);
                case CONTROL, USER_DEFINED, UNKNOWN -> texts[i].getBytes(StandardCharsets.UTF_8);
                case BYTE -> {
                    int b = byteTokenValue(texts[i]);
                    yield b >= 0 ? new byte[]{(byte) b} : normalPiece.apply(i);
                }
                case UNUSED, UNDEFINED -> null;
            };
            if (types[i] == TokenType.CONTROL || types[i] == TokenType.USER_DEFINED || types[i] == TokenType.UNKNOWN) specials.add(i);
        }
        specialsByLength = specials.stream()
                .sorted(Comparator.comparingInt((Integer i) -> -texts[i].getBytes(StandardCharsets.UTF_8).length).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        endOfGeneration = new boolean[n];
        if (spec.eosId() >= 0) endOfGeneration[spec.eosId()] = true;
        for (String t : EOG_TEXTS) {
            Integer id = ids.get(t);
            if (id != null && types[id] == TokenType.CONTROL) endOfGeneration[id] = true;
        }
        // harmony (gpt-oss): <|end|> ends a message, not the turn, which ends at <|return|> or <|call|>; llama.cpp
        // drops <|end|> from its end-of-generation tokens when both of those are there, and so does bgl
        Integer end = ids.get("<|end|>"), ret = ids.get("<|return|>"), call = ids.get("<|call|>");
        if (end != null && ret != null && call != null && endOfGeneration[ret] && endOfGeneration[call] && end != spec.eosId())
            endOfGeneration[end] = false;
    }

    /** Texts that end a turn in the chat formats bgl runs (llama.cpp keeps a similar list). */
    private static final String[] EOG_TEXTS = {"<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "</s>", "<|end|>", "<end_of_turn>",
            "<|return|>", "<|call|>"};

    /** The byte of a {@code <0xXX>} token, or -1. */
    static int byteTokenValue(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    static Vocab of(Tokenizer t) {
        return switch (t) {
            case BpeTokenizer b -> b.vocab;
            case SpmTokenizer s -> s.vocab;
        };
    }

    /**
     * SentencePiece encoding prefixes ▁ at the start and after each special token; decoding drops
     * the space there again, so that decode inverts encode.
     */
    boolean stripsSpace(int prevId, int id) {
        return !spec.isBpe() && spec.addSpacePrefix() && !matchedInText(id) && (prevId < 0 || matchedInText(prevId));
    }

    int size() {
        return texts.length;
    }

    void checkId(int id) {
        if (id < 0 || id >= texts.length)
            throw new dev.bgl.util.BglException("token id " + id + " is out of range [0, " + texts.length + ") of the vocabulary of " + spec.source());
    }

    boolean matchedInText(int id) {
        TokenType t = types[id];
        return t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN;
    }

    /**
     * Cuts text into raw pieces and special tokens, as llama.cpp's {@code tokenizer_st_partition}:
     * for each special token, longest first, every occurrence in every still-raw piece is cut out.
     * Returns triples (tokenId or -1, start, end) flattened into an int array.
     */
    int[] partition(String text, boolean parseSpecial) {
        if (text.isEmpty()) return new int[0]; // llama.cpp: no fragment at all, so SPM adds no ▁ either
        int[] frags = {-1, 0, text.length()};
        int n = 3;
        for (int id : specialsByLength) {
            if (!types[id].matchedInText(parseSpecial)) continue;
            String s = texts[id];
            int[] out = null;
            int m = 0;
            for (int f = 0; f < n; f += 3) {
                int start = frags[f + 1], end = frags[f + 2];
                int at = frags[f] >= 0 ? -1 : text.indexOf(s, start, end);
                if (at < 0) {
                    if (out != null) { // copying since an earlier fragment matched
                        out = put(out, m, frags[f], start, end);
                        m += 3;
                    }
                    continue;
                }
                if (out == null) { // first match: the fragments before f stay as they are
                    out = Arrays.copyOf(frags, n + 12);
                    m = f;
                }
                while (at >= 0) {
                    if (at > start) {
                        out = put(out, m, -1, start, at);
                        m += 3;
                    }
                    out = put(out, m, id, at, at + s.length());
                    m += 3;
                    start = at + s.length();
                    at = start < end ? text.indexOf(s, start, end) : -1;
                }
                if (start < end) {
                    out = put(out, m, -1, start, end);
                    m += 3;
                }
            }
            if (out != null) {
                frags = out;
                n = m;
            }
        }
        return Arrays.copyOf(frags, n);
    }

    private static int[] put(int[] a, int at, int token, int start, int end) {
        if (at + 3 > a.length) a = Arrays.copyOf(a, a.length * 2 + 3);
        a[at] = token;
        a[at + 1] = start;
        a[at + 2] = end;
        return a;
    }

    /** Code points of a Java string, with lone surrogates replaced by U+FFFD (as llama.cpp does for invalid UTF-8). */
    static int[] codePoints(String s, int from, int to) {
        int[] cps = s.substring(from, to).codePoints().toArray();
        for (int i = 0; i < cps.length; i++) if (Character.isSurrogate((char) cps[i]) && cps[i] <= 0xFFFF) cps[i] = 0xFFFD;
        return cps;
    }
}
