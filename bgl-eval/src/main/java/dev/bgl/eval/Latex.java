package dev.bgl.eval;

import java.util.ArrayList;
import java.util.List;

/** Brace-aware helpers over LaTeX text: find a group's end, split at top-level separators. */
final class Latex {
    private Latex() {}

    /** Index of the '}' closing the '{' at {@code open}, or -1 if unbalanced. Escaped braces (\{ \}) are not counted. */
    static int closingBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') { i++; continue; }
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        return -1;
    }

    /**
     * Splits at {@code sep} where it stands outside every bracket pair: {}, (), [], and \{ \}.
     * Interval brackets may be mismatched ("(1,2]"), so any opener closes with any closer.
     */
    static List<String> splitTopLevel(String s, String sep) {
        List<String> parts = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && escapedBrace(s, i) != 0) {
                depth += escapedBrace(s, i);
                i++;
                continue;
            }
            // any other backslash is no bracket: a separator may start with it ("\cup", the row break "\\")
            if (c == '{' || c == '(' || c == '[') depth++;
            else if (c == '}' || c == ')' || c == ']') depth--;
            else if (depth == 0 && s.startsWith(sep, i)) {
                parts.add(s.substring(start, i));
                i += sep.length() - 1;
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** +1 for the escaped brace \{ at {@code i}, -1 for \}, else 0: set braces count as brackets too. */
    private static int escapedBrace(String s, int i) {
        if (i + 1 >= s.length()) return 0;
        char n = s.charAt(i + 1);
        return n == '{' ? 1 : n == '}' ? -1 : 0;
    }

    /** Whether the bracket opening at 0 is closed by the very last character (so "(1)(2)" is not one group). */
    static boolean wrapsWhole(String s) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                int escaped = escapedBrace(s, i);
                if (escaped == 0) continue;
                depth += escaped;
                i++;
            } else if (c == '{' || c == '(' || c == '[') depth++;
            else if (c == '}' || c == ')' || c == ']') depth--;
            if (depth <= 0 && i < s.length() - 1) return false;
        }
        return depth == 0;
    }

    /** Replaces every {@code \name{X}} by X (X may hold nested braces). */
    static String unwrap(String s, String name) {
        String cmd = "\\" + name + "{";
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (true) {
            int at = s.indexOf(cmd, from);
            if (at < 0) break;
            int open = at + cmd.length() - 1;
            int close = closingBrace(s, open);
            if (close < 0) break;
            out.append(s, from, at).append(s, open + 1, close);
            from = close + 1;
        }
        return out.append(s.substring(from)).toString();
    }
}
