package dev.bgl.tokenizer;

import java.util.Arrays;

/**
 * The pre-tokenizer splits of byte-level BPE: text is cut into "words" before BPE, and merges never
 * cross a word boundary. These are hand-written scanners, ported line by line from llama.cpp's
 * {@code unicode_regex_split_custom_*}, because they must reproduce llama.cpp's splits exactly (a
 * {@code java.util.regex} version differs in small ways, e.g. {@code \s+(?!\S)} at the end of a
 * fragment and what counts as {@code \s}). {@link #GPT4O} is the exception: llama.cpp has no scanner for it and runs
 * a regex over a collapsed text, which {@link Gpt4oSplit} reproduces.
 */
public enum PreTokenizer {
    /**
     * Qwen2/Qwen3 ({@code tokenizer.ggml.pre = qwen2}):
     * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
     */
    QWEN2,
    /** Llama-3 ({@code llama-bpe}, {@code llama3}): as {@link #QWEN2} but digits in runs of up to three. */
    LLAMA3,
    /** GPT-2 ({@code gpt-2}): {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    GPT2,
    /**
     * o200k_base ({@code gpt-4o}: gpt-oss and GPT-4o's vocabulary): letter
     * runs split at case changes, contractions attached, digits in threes. See {@link Gpt4oSplit}.
     */
    GPT4O,
    /**
     * llama.cpp's {@code default} (a missing pre-tokenizer): punctuation runs are split off first,
     * then the GPT-2 split, then number runs, then groups of three ASCII digits.
     */
    DEFAULT;

    /** The pre-tokenizer named by GGUF {@code tokenizer.ggml.pre}, or null when bgl does not know it. */
    public static PreTokenizer ofGgufName(String pre) {
        return switch (pre == null ? "default" : pre) {
            case "qwen2", "deepseek-r1-qwen" -> QWEN2;
            case "llama3", "llama-v3", "llama-bpe" -> LLAMA3;
            case "gpt-2", "gpt2" -> GPT2;
            case "gpt-4o" -> GPT4O;
            case "default", "" -> DEFAULT;
            default -> null;
        };
    }

    /** The canonical GGUF name, as llama.cpp's converter writes it. */
    public String ggufName() {
        return switch (this) {
            case QWEN2 -> "qwen2";
            case LLAMA3 -> "llama-bpe";
            case GPT2 -> "gpt-2";
            case GPT4O -> "gpt-4o";
            case DEFAULT -> "default";
        };
    }

    /** llama.cpp uses a whole word as one token when the vocabulary has it, skipping the merges. */
    boolean ignoresMerges() {
        return this == LLAMA3;
    }

    /**
     * Splits {@code cps} (code points) into words; returns the end offsets of the words, in order,
     * in {@code ends[0..returned)}.
     */
    int[] split(int[] cps) {
        Ends ends = new Ends(cps.length / 2 + 4);
        switch (this) {
            case QWEN2 -> new Scan(cps, 0, cps.length, ends).llama3(false);
            case LLAMA3 -> new Scan(cps, 0, cps.length, ends).llama3(true);
            case GPT2 -> new Scan(cps, 0, cps.length, ends).gpt2();
            case GPT4O -> {
                return Gpt4oSplit.split(cps);
            }
            case DEFAULT -> {
                int[] step = runs(cps, new int[]{cps.length}, 1, PreTokenizer::isDefaultPunct);
                Ends gpt = new Ends(step.length * 2 + 4);
                int start = 0;
                for (int end : step) {
                    new Scan(cps, start, end, gpt).gpt2();
                    start = end;
                }
                step = runs(cps, gpt.toArray(), gpt.n, cp -> isNumber(flags(cp)));
                return digitTriples(cps, step);
            }
        }
        return ends.toArray();
    }

    // ---- code point classes (llama.cpp unicode_cpt_flags) ----

    static final int LETTER = 1, NUMBER = 2, SPACE = 4, IN_RANGE = 8;

    /** llama.cpp's whitespace set (Unicode White_Space), which is also what Rust's {@code \s} matches. */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    static int flags(int cp) {
        int f = IN_RANGE;
        if (Character.isLetter(cp)) f |= LETTER;
        else {
            int t = Character.getType(cp);
            if (t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER) f |= NUMBER;
        }
        if (isWhitespace(cp)) f |= SPACE;
        return f;
    }

    static boolean isLetter(int f) {
        return (f & LETTER) != 0;
    }

    static boolean isNumber(int f) {
        return (f & NUMBER) != 0;
    }

    static boolean isSpace(int f) {
        return (f & SPACE) != 0;
    }

    private static boolean isDefaultPunct(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> cp == '$' || cp == '+' || cp == '<' || cp == '=' || cp == '>' || cp == '^' || cp == '~' || cp == '|';
        };
    }

    /** Like a regex split that keeps both matches and the text between: runs of {@code in} become words. */
    private static int[] runs(int[] cps, int[] bounds, int nBounds, java.util.function.IntPredicate in) {
        Ends out = new Ends(nBounds * 2 + 4);
        int start = 0;
        for (int b = 0; b < nBounds; b++) {
            int end = bounds[b];
            int i = start;
            while (i < end) {
                boolean match = in.test(cps[i]);
                int j = i + 1;
                while (j < end && in.test(cps[j]) == match) j++;
                out.add(j);
                i = j;
            }
            start = end;
        }
        return out.toArray();
    }

    private static int[] digitTriples(int[] cps, int[] bounds) {
        Ends out = new Ends(bounds.length + 4);
        int start = 0;
        for (int end : bounds) {
            int i = start, last = start;
            while (i + 3 <= end) {
                if (isAsciiDigit(cps[i]) && isAsciiDigit(cps[i + 1]) && isAsciiDigit(cps[i + 2])) {
                    if (i > last) out.add(i);
                    out.add(i + 3);
                    i += 3;
                    last = i;
                } else i++;
            }
            if (end > last) out.add(end);
            start = end;
        }
        return out.toArray();
    }

    private static boolean isAsciiDigit(int cp) {
        return cp >= '0' && cp <= '9';
    }

    /** A growable list of word end offsets. */
    static final class Ends {
        int[] a;
        int n;

        Ends(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int end) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = end;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** One fragment [ini, end) being scanned; positions outside it read as "no code point". */
    private static final class Scan {
        static final int OUT = -1;
        final int[] cps;
        final int ini, end;
        final Ends ends;
        int prevEnd;

        Scan(int[] cps, int ini, int end, Ends ends) {
            this.cps = cps;
            this.ini = ini;
            this.end = end;
            this.ends = ends;
            this.prevEnd = ini;
        }

        int cpt(int pos) {
            return pos >= ini && pos < end ? cps[pos] : OUT;
        }

        int fl(int pos) {
            return pos >= ini && pos < end ? flags(cps[pos]) : 0;
        }

        int add(int to) {
            int len = to - prevEnd;
            if (len > 0) ends.add(to);
            prevEnd = to;
            return len;
        }

        /** Ported from unicode_regex_split_custom_llama3 / _qwen2 (they differ only in digit runs). */
        void llama3(boolean digitTriples) {
            for (int pos = ini; pos < end; ) {
                int cpt = cpt(pos);
                int flags = fl(pos);

                // (?i:'s|'t|'re|'ve|'m|'ll|'d)
                if (cpt == '\'' && pos + 1 < end) {
                    int next = lower(cpt(pos + 1));
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += add(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int nextNext = lower(cpt(pos + 2));
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l')) {
                            pos += add(pos + 3);
                            continue;
                        }
                    }
                }

                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(cpt == '\r' || cpt == '\n' || isNumber(flags))) {
                    if (isLetter(flags) || isLetter(fl(pos + 1))) {
                        pos++;
                        while (isLetter(fl(pos))) pos++;
                        add(pos);
                        continue;
                    }
                }

                // \p{N} (Qwen2) or \p{N}{1,3} (Llama-3)
                if (isNumber(flags)) {
                    if (digitTriples) {
                        int start = pos;
                        while (isNumber(fl(pos))) {
                            if (++pos - start >= 3) {
                                add(pos);
                                start = pos;
                            }
                        }
                        add(pos);
                    } else {
                        pos++;
                        add(pos);
                    }
                    continue;
                }

                // <space>?[^\s\p{L}\p{N}]+[\r\n]*
                int flags2 = cpt == ' ' ? fl(pos + 1) : flags;
                if ((flags2 & (SPACE | LETTER | NUMBER)) == 0 && flags != 0) {
                    if (cpt == ' ') pos++;
                    while ((flags2 & (SPACE | LETTER | NUMBER)) == 0 && flags2 != 0) flags2 = fl(++pos);
                    int cpt2 = cpt(pos);
                    while (cpt2 == '\r' || cpt2 == '\n') cpt2 = cpt(++pos);
                    add(pos);
                    continue;
                }

                int spaces = 0;
                int lastEndRorN = 0;
                while (isSpace(fl(pos + spaces))) {
                    int cpt2 = cpt(pos + spaces);
                    if (cpt2 == '\r' || cpt2 == '\n') lastEndRorN = pos + spaces + 1;
                    spaces++;
                }

                // \s*[\r\n]+
                if (lastEndRorN > 0) {
                    pos = lastEndRorN;
                    add(pos);
                    continue;
                }
                // \s+(?!\S)
                if (spaces > 1 && cpt(pos + spaces) != OUT) {
                    pos += spaces - 1;
                    add(pos);
                    continue;
                }
                // \s+
                if (spaces > 0) {
                    pos += spaces;
                    add(pos);
                    continue;
                }
                // no match
                add(++pos);
            }
        }

        /** Ported from unicode_regex_split_custom_gpt2. */
        void gpt2() {
            for (int pos = ini; pos < end; ) {
                int cpt = cpt(pos);
                int flags = fl(pos);

                // 's|'t|'re|'ve|'m|'ll|'d
                if (cpt == '\'' && pos + 1 < end) {
                    int next = cpt(pos + 1);
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += add(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int nextNext = cpt(pos + 2);
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l')) {
                            pos += add(pos + 3);
                            continue;
                        }
                    }
                }

                int flags2 = cpt == ' ' ? fl(pos + 1) : flags;
                // <space>?\p{L}+
                if (isLetter(flags2)) {
                    if (cpt == ' ') pos++;
                    while (isLetter(flags2)) flags2 = fl(++pos);
                    add(pos);
                    continue;
                }
                // <space>?\p{N}+
                if (isNumber(flags2)) {
                    if (cpt == ' ') pos++;
                    while (isNumber(flags2)) flags2 = fl(++pos);
                    add(pos);
                    continue;
                }
                // <space>?[^\s\p{L}\p{N}]+
                if ((flags2 & (SPACE | LETTER | NUMBER)) == 0 && flags2 != 0) {
                    if (cpt == ' ') pos++;
                    while ((flags2 & (SPACE | LETTER | NUMBER)) == 0 && flags2 != 0) flags2 = fl(++pos);
                    add(pos);
                    continue;
                }

                int spaces = 0;
                while (isSpace(fl(pos + spaces))) spaces++;
                // \s+(?!\S)
                if (spaces > 1 && cpt(pos + spaces) != OUT) {
                    pos += spaces - 1;
                    add(pos);
                    continue;
                }
                // \s+
                if (spaces > 0) {
                    pos += spaces;
                    add(pos);
                    continue;
                }
                add(++pos);
            }
        }

        /** llama.cpp lower-cases with its Unicode table; only ASCII results matter for the contractions. */
        private static int lower(int cp) {
            return cp == OUT ? OUT : Character.toLowerCase(cp);
        }
    }
}
