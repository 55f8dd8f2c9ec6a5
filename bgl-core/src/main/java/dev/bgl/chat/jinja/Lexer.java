package dev.bgl.chat.jinja;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits template source into tokens, applying Jinja2's whitespace rules on the way:
 * one trailing newline is dropped, "\r\n" becomes "\n", {@code {%-}/{@code -%}} strip whitespace,
 * and Hugging Face's settings trim_blocks (newline after a block tag is removed) and
 * lstrip_blocks (spaces and tabs before a block tag at the start of a line are removed).
 * Comments are dropped here; {@code {% raw %}} bodies become plain text.
 */
final class Lexer {
    private static final Pattern RAW_START = Pattern.compile("\\G\\s*raw\\s*([-+]?)%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");
    private static final String[] OPERATORS = {
        "**", "//", "==", "!=", "<=", ">=",
        "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"
    };

    private final String src;
    private final int[] lineStarts;
    private final boolean trimBlocks;
    private final boolean lstripBlocks;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private boolean stripNextText;

    private Lexer(String source, boolean trimBlocks, boolean lstripBlocks) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        this.src = s;
        this.trimBlocks = trimBlocks;
        this.lstripBlocks = lstripBlocks;
        int[] starts = new int[16];
        int n = 0;
        starts[n++] = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                if (n == starts.length) starts = Arrays.copyOf(starts, n * 2);
                starts[n++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, n);
    }

    static List<Token> tokenize(String source, boolean trimBlocks, boolean lstripBlocks) {
        Lexer lx = new Lexer(source, trimBlocks, lstripBlocks);
        lx.run();
        return lx.tokens;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int textStart = pos;
            int tag = nextTag(pos);
            String text = src.substring(pos, tag);
            if (stripNextText) {
                text = stripLeading(text);
                stripNextText = false;
            }
            if (tag < n) {
                char kind = src.charAt(tag + 1);
                char mod = tag + 2 < n ? src.charAt(tag + 2) : 0;
                if (mod == '-') {
                    text = stripTrailing(text);
                } else if (mod != '+' && lstripBlocks && kind != '{') {
                    int nl = text.lastIndexOf('\n');
                    boolean lineStart = nl >= 0 || textStart == 0 || src.charAt(textStart - 1) == '\n';
                    if (lineStart && onlySpacesAndTabs(text, nl + 1)) text = text.substring(0, nl + 1);
                }
            }
            if (!text.isEmpty()) tokens.add(token(Token.Kind.TEXT, text, textStart));
            if (tag >= n) break;
            pos = tag;
            switch (src.charAt(tag + 1)) {
                case '#' -> comment();
                case '{' -> tag(Token.Kind.VAR_BEGIN, "{{", Token.Kind.VAR_END, "}}");
                default -> {
                    if (!raw()) tag(Token.Kind.BLOCK_BEGIN, "{%", Token.Kind.BLOCK_END, "%}");
                }
            }
        }
        tokens.add(token(Token.Kind.EOF, "", src.length()));
    }

    private int nextTag(int from) {
        int n = src.length();
        for (int i = from; i + 1 < n; i++) {
            if (src.charAt(i) == '{') {
                char c = src.charAt(i + 1);
                if (c == '{' || c == '%' || c == '#') return i;
            }
        }
        return n;
    }

    private void comment() {
        int start = pos;
        int end = src.indexOf("#}", pos + 2);
        if (end < 0) throw error(start, "comment is not closed, expected '#}'");
        boolean strip = end - 1 >= pos + 2 && src.charAt(end - 1) == '-';
        boolean keep = end - 1 >= pos + 2 && src.charAt(end - 1) == '+';
        pos = end + 2;
        afterBlockEnd(strip, keep);
    }

    private void afterBlockEnd(boolean strip, boolean keep) {
        if (strip) {
            stripNextText = true;
        } else if (trimBlocks && !keep && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
    }

    /** {% raw %}...{% endraw %}: the body is text, untouched except for whitespace control on the two tags. */
    private boolean raw() {
        int afterOpen = pos + 2;
        if (afterOpen < src.length() && (src.charAt(afterOpen) == '-' || src.charAt(afterOpen) == '+')) afterOpen++;
        Matcher m = RAW_START.matcher(src);
        m.region(afterOpen, src.length());
        if (!m.lookingAt()) return false;
        int start = pos;
        Matcher e = RAW_END.matcher(src);
        if (!e.find(m.end())) throw error(start, "raw block is not closed, expected '{% endraw %}'");
        String body = src.substring(m.end(), e.start());
        if (m.group(1).equals("-")) body = stripLeading(body);
        if (e.group(1).equals("-")) body = stripTrailing(body);
        if (!body.isEmpty()) tokens.add(token(Token.Kind.TEXT, body, m.end()));
        pos = e.end();
        afterBlockEnd(e.group(2).equals("-"), e.group(2).equals("+"));
        return true;
    }

    private void tag(Token.Kind beginKind, String begin, Token.Kind endKind, String end) {
        int start = pos;
        tokens.add(token(beginKind, begin, pos));
        pos += 2;
        if (pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) pos++;
        int braces = 0;
        int n = src.length();
        while (true) {
            while (pos < n && isSpace(src.charAt(pos))) pos++;
            if (pos >= n) throw error(start, "tag is not closed, expected '" + end + "'");
            char c = src.charAt(pos);
            if (braces == 0) {
                if ((c == '-' || c == '+') && src.startsWith(end, pos + 1)) {
                    tokens.add(token(endKind, end, pos));
                    pos += 3;
                    if (endKind == Token.Kind.BLOCK_END) afterBlockEnd(c == '-', c == '+');
                    else if (c == '-') stripNextText = true;
                    return;
                }
                if (src.startsWith(end, pos)) {
                    tokens.add(token(endKind, end, pos));
                    pos += 2;
                    if (endKind == Token.Kind.BLOCK_END) afterBlockEnd(false, false);
                    return;
                }
            }
            if (c == '\'' || c == '"') {
                string(c);
            } else if (c >= '0' && c <= '9') {
                number();
            } else if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < n && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
                tokens.add(token(Token.Kind.NAME, src.substring(s, pos), s));
            } else {
                String op = null;
                for (String o : OPERATORS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) throw error(pos, "unexpected character '" + c + "'");
                if (op.equals("{")) braces++;
                if (op.equals("}")) braces--;
                tokens.add(token(Token.Kind.OP, op, pos));
                pos += op.length();
            }
        }
    }

    private void number() {
        int s = pos;
        int n = src.length();
        boolean afterDot = !tokens.isEmpty() && tokens.getLast().isOp(".");
        while (pos < n && (isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        boolean isFloat = false;
        if (!afterDot && pos + 1 < n && src.charAt(pos) == '.' && isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < n && (isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        }
        if (!afterDot && pos < n && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int q = pos + 1;
            if (q < n && (src.charAt(q) == '+' || src.charAt(q) == '-')) q++;
            if (q < n && isDigit(src.charAt(q))) {
                isFloat = true;
                pos = q;
                while (pos < n && isDigit(src.charAt(pos))) pos++;
            }
        }
        String text = src.substring(s, pos).replace("_", "");
        tokens.add(token(isFloat ? Token.Kind.FLOAT : Token.Kind.INT, text, s));
    }

    /** A string literal with Python's escapes; an unknown escape keeps its backslash, as Python does. */
    private void string(char quote) {
        int s = pos;
        int n = src.length();
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= n) throw error(s, "string literal is not closed, expected " + quote);
            char c = src.charAt(pos++);
            if (c == quote) break;
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= n) throw error(s, "string literal is not closed, expected " + quote);
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case 'a' -> sb.append('\u0007');
                case '0' -> sb.append('\0');
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> { } // line continuation
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (pos + len > n) throw error(pos - 2, "bad \\" + e + " escape in string literal");
                    int cp;
                    try {
                        cp = Integer.parseInt(src.substring(pos, pos + len), 16);
                    } catch (NumberFormatException ex) {
                        throw error(pos - 2, "bad \\" + e + " escape in string literal");
                    }
                    if (!Character.isValidCodePoint(cp)) throw error(pos - 2, "bad \\" + e + " escape in string literal");
                    sb.appendCodePoint(cp);
                    pos += len;
                }
                default -> sb.append('\\').append(e);
            }
        }
        tokens.add(token(Token.Kind.STRING, sb.toString(), s));
    }

    private Token token(Token.Kind kind, String text, int offset) {
        int line = lineOf(offset);
        return new Token(kind, text, line + 1, offset - lineStarts[line] + 1);
    }

    private int lineOf(int offset) {
        int i = Arrays.binarySearch(lineStarts, offset);
        return i >= 0 ? i : -i - 2;
    }

    private TemplateException error(int offset, String problem) {
        int line = lineOf(offset);
        return new TemplateException(line + 1, offset - lineStarts[line] + 1, problem);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Python's str.isspace for the characters templates meet. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000b'
            || (c > 127 && Character.isWhitespace(c)) || c == '\u00a0' || c == '\u0085';
    }

    private static boolean onlySpacesAndTabs(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t') return false;
        }
        return true;
    }

    static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) i++;
        return s.substring(i);
    }

    static String stripTrailing(String s) {
        int i = s.length();
        while (i > 0 && isSpace(s.charAt(i - 1))) i--;
        return s.substring(0, i);
    }
}
