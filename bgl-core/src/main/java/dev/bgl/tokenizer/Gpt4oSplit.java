package dev.bgl.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code gpt-4o} (o200k_base) split, as llama.cpp computes it. llama.cpp has no hand-written
 * scanner for this regex: it runs {@code std::regex} over a "collapsed" copy of the text, where each
 * code point becomes one character: ASCII stays itself, non-ASCII whitespace becomes {@code \v},
 * a non-ASCII letter one stand-in character, a number another, anything else a third (punctuation,
 * symbols and marks each get their own, but the regex cannot tell them apart). The regex's
 * {@code \p{L}} and {@code \p{N}} become "that stand-in or the ASCII letters / digits".
 *
 * <p>So we do the same with {@code java.util.regex}, which for this pattern (no back-references,
 * one character per step) finds the same leftmost-first matches as ECMAScript's backtracking. Two
 * consequences are kept on purpose, because they are what llama.cpp tokenizes: a non-ASCII letter
 * counts as both upper and lower case (only ASCII has case here), and combining marks
 * ({@code \p{M}}, part of the letter classes in the original regex) are not letters.
 *
 * <p>llama.cpp's regex (its rewrite of the tokenizer.json one without {@code \p{Lu}} and friends):
 * {@code [^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?
 * |[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:...)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
 * Each {@code ((?=[\p{L}])([^a-z]))} is one character, so it is written below as the equivalent
 * class (a letter that is not a-z); a repeated group would make Java's matcher recurse once per
 * character and overflow its stack on long words.
 */
final class Gpt4oSplit {
    private Gpt4oSplit() {
    }

    // stand-ins for non-ASCII code points (llama.cpp's bytes 0xD0-0xD2)
    private static final char OTHER = '\u00D0', NUMBER = '\u00D1', LETTER = '\u00D2';

    private static final String L = "\\u00D2A-Za-z", N = "\\u00D10-9";
    private static final String UPPER = "[\\u00D2A-Z]", LOWER = "[\\u00D2a-z]";
    private static final String CONTRACTION = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?";
    private static final String LEAD = "[^\\r\\n" + L + N + "]?";
    static final Pattern REGEX = Pattern.compile(
            LEAD + UPPER + "*" + LOWER + "+" + CONTRACTION
                    + "|" + LEAD + UPPER + "+" + LOWER + "*" + CONTRACTION
                    + "|[" + N + "]{1,3}"
                    + "| ?[^\\s" + L + N + "]+[\\r\\n/]*"
                    + "|\\s*[\\r\\n]+"
                    + "|\\s+(?!\\S)"
                    + "|\\s+");

    /** Word ends of {@code cps}, like {@link PreTokenizer#split}. */
    static int[] split(int[] cps) {
        char[] collapsed = new char[cps.length];
        for (int i = 0; i < cps.length; i++) collapsed[i] = collapse(cps[i]);
        PreTokenizer.Ends ends = new PreTokenizer.Ends(cps.length / 2 + 4);
        Matcher m = REGEX.matcher(java.nio.CharBuffer.wrap(collapsed));
        int last = 0;
        while (m.find()) {
            // text between matches is a word of its own (llama.cpp keeps it)
            if (m.start() > last) ends.add(m.start());
            if (m.end() > m.start()) ends.add(m.end());
            last = m.end();
        }
        if (last < cps.length) ends.add(cps.length);
        return ends.toArray();
    }

    private static char collapse(int cp) {
        if (cp < 128) return (char) cp;
        if (PreTokenizer.isWhitespace(cp)) return '\u000B'; // std::regex's \s does not know non-ASCII spaces
        int f = PreTokenizer.flags(cp);
        if (PreTokenizer.isLetter(f)) return LETTER;
        if (PreTokenizer.isNumber(f)) return NUMBER;
        return OTHER;
    }
}
