package dev.bgl.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's str algorithms as CPython defines them (whitespace, code points, counts, the forms of
 * {@code str.format} templates use), for the str methods ({@link Methods}) and the filters
 * ({@link Filters}) that behave the same.
 */
final class PyStrings {
    private PyStrings() {}

    /** Python's str.strip/lstrip/rstrip: chars null means whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        if (left) {
            while (from < to) {
                int cp = s.codePointAt(from);
                if (!stripped(cp, chars)) break;
                from += Character.charCount(cp);
            }
        }
        if (right) {
            while (to > from) {
                int cp = s.codePointBefore(to);
                if (!stripped(cp, chars)) break;
                to -= Character.charCount(cp);
            }
        }
        return s.substring(from, to);
    }

    private static boolean stripped(int cp, String chars) {
        if (chars == null) return cp < 0x10000 && Lexer.isSpace((char) cp);
        return chars.indexOf(cp) >= 0;
    }

    static List<Object> split(String s, String sep, long maxsplit, boolean fromRight) {
        List<Object> parts = new ArrayList<>();
        if (!fromRight) {
            int from = 0;
            while (maxsplit < 0 || parts.size() < maxsplit) {
                int at = s.indexOf(sep, from);
                if (at < 0) break;
                parts.add(s.substring(from, at));
                from = at + sep.length();
            }
            parts.add(s.substring(from));
            return parts;
        }
        int to = s.length();
        while (maxsplit < 0 || parts.size() < maxsplit) {
            int at = s.lastIndexOf(sep, to - sep.length());
            if (at < 0) break;
            parts.add(s.substring(at + sep.length(), to));
            to = at;
        }
        parts.add(s.substring(0, to));
        java.util.Collections.reverse(parts);
        return parts;
    }

    static List<Object> splitWhitespace(String s, long maxsplit, boolean fromRight) {
        List<Object> parts = new ArrayList<>();
        if (!fromRight) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Lexer.isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && parts.size() >= maxsplit) {
                    parts.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !Lexer.isSpace(s.charAt(j))) j++;
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        int j = s.length();
        while (true) {
            while (j > 0 && Lexer.isSpace(s.charAt(j - 1))) j--;
            if (j <= 0) break;
            if (maxsplit >= 0 && parts.size() >= maxsplit) {
                parts.add(s.substring(0, j));
                break;
            }
            int i = j;
            while (i > 0 && !Lexer.isSpace(s.charAt(i - 1))) i--;
            parts.add(s.substring(i, j));
            j = i;
        }
        java.util.Collections.reverse(parts);
        return parts;
    }

    static List<Object> splitlines(String s) {
        List<Object> lines = new ArrayList<>();
        int start = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean brk = c == '\n' || c == '\r' || c == '\u000b' || c == '\f' || c == '\u001c' || c == '\u001d'
                || c == '\u001e' || c == '\u0085' || c == '\u2028' || c == '\u2029';
            if (!brk) continue;
            lines.add(s.substring(start, i));
            if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') i++;
            start = i + 1;
        }
        if (start < n) lines.add(s.substring(start));
        return lines;
    }

    static String replace(String s, String old, String with, long count, int max) {
        if (count == 0) return s;
        long occurrences = old.isEmpty() ? s.codePointCount(0, s.length()) + 1L : count(s, old);
        if (count > 0) occurrences = Math.min(occurrences, count);
        long size = s.length() + occurrences * (with.length() - old.length());
        if (size > max) throw TemplateException.limit("string exceeds " + max + " chars");
        StringBuilder sb = new StringBuilder((int) Math.max(size, 0));
        if (old.isEmpty()) {
            long done = 0;
            int i = 0;
            while (i <= s.length()) {
                if (done < occurrences) {
                    sb.append(with);
                    done++;
                }
                if (i == s.length()) break;
                int cp = s.codePointAt(i);
                sb.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
            return sb.toString();
        }
        int from = 0;
        long done = 0;
        while (done < occurrences) {
            int at = s.indexOf(old, from);
            sb.append(s, from, at).append(with);
            from = at + old.length();
            done++;
        }
        return sb.append(s, from, s.length()).toString();
    }

    static long count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1L;
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    /** Python's str.title: a letter is upper-cased after a non-letter, lower-cased after a letter. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            sb.appendCodePoint(prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            prevCased = cased;
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(cp))
            .append(s.substring(Character.charCount(cp)).toLowerCase(java.util.Locale.ROOT)).toString();
    }

    /** Python's str.format for the forms templates use: {}, {0}, {name}, {{ and }}; no format specs. */
    static String format(String s, List<Object> args, Map<String, Object> kwargs, Interpreter in) {
        Values.Sink out = in.sink();
        int auto = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                out.append("{");
                i += 2;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                out.append("}");
                i += 2;
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) throw new TemplateException("format(): single '{' encountered in format string");
                String field = s.substring(i + 1, end);
                if (field.contains(":") || field.contains("!")) throw new TemplateException("format(): format specs are not supported");
                Object v;
                if (field.isEmpty()) {
                    if (auto >= args.size()) throw new TemplateException("format(): not enough arguments");
                    v = args.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int k = Integer.parseInt(field);
                    if (k >= args.size()) throw new TemplateException("format(): not enough arguments");
                    v = args.get(k);
                } else {
                    if (!kwargs.containsKey(field)) throw new TemplateException("format(): no argument named '" + field + "'");
                    v = kwargs.get(field);
                }
                out.append(in.str(v));
                i = end + 1;
            } else if (c == '}') {
                throw new TemplateException("format(): single '}' encountered in format string");
            } else {
                out.append(String.valueOf(c));
                i++;
            }
        }
        return out.toString();
    }
}
