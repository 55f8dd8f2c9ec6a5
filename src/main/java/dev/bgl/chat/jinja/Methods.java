package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Callable.Builtin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Python str and dict methods chat templates call ({@code content.strip('\n')}, {@code d.get('k', 0)}, ...). */
final class Methods {
    private Methods() {}

    /** A dict method bound to {@code m}, or null if there is none of that name. */
    static Builtin of(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 0, 0);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new ArrayList<>(java.util.Arrays.asList(e.getKey(), e.getValue())));
                return out;
            });
            case "keys" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 0, 0);
                return new ArrayList<Object>(m.keySet());
            });
            case "values" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 0, 0);
                return new ArrayList<Object>(m.values());
            });
            case "get" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 1, 2);
                Object k = a.getFirst();
                if (m.containsKey(k)) return m.get(k);
                if (Values.isNumber(k)) {
                    for (Map.Entry<?, ?> e : m.entrySet()) if (Values.equal(e.getKey(), k)) return e.getValue();
                }
                return a.size() > 1 ? a.get(1) : kw.getOrDefault("default", null);
            });
            default -> null;
        };
    }

    /** A str method bound to {@code s}, or null if there is none of that name. */
    static Builtin of(String s, String name) {
        return switch (name) {
            case "strip", "lstrip", "rstrip" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 0, 1);
                String chars = a.isEmpty() || a.getFirst() == null ? null : string(name, a.getFirst());
                return strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            });
            case "upper" -> noArgs(name, () -> s.toUpperCase(java.util.Locale.ROOT));
            case "lower" -> noArgs(name, () -> s.toLowerCase(java.util.Locale.ROOT));
            case "title" -> noArgs(name, () -> title(s));
            case "capitalize" -> noArgs(name, () -> capitalize(s));
            case "splitlines" -> noArgs(name, () -> splitlines(s));
            case "isdigit" -> noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit));
            case "isalpha" -> noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter));
            case "isalnum" -> noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit));
            case "isspace" -> noArgs(name, () -> !s.isEmpty() && s.chars().allMatch(c -> Lexer.isSpace((char) c)));
            case "islower" -> noArgs(name, () -> s.codePoints().anyMatch(Character::isLowerCase) && s.equals(s.toLowerCase(java.util.Locale.ROOT)));
            case "isupper" -> noArgs(name, () -> s.codePoints().anyMatch(Character::isUpperCase) && s.equals(s.toUpperCase(java.util.Locale.ROOT)));
            case "split", "rsplit" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 0, 2);
                Object sep = a.isEmpty() ? kw.get("sep") : a.get(0);
                Object max = a.size() > 1 ? a.get(1) : kw.getOrDefault("maxsplit", -1L);
                long maxsplit = integer(name, max);
                if (sep == null) return splitWhitespace(s, maxsplit, name.equals("rsplit"));
                String sp = string(name, sep);
                if (sp.isEmpty()) throw new TemplateException("empty separator");
                return split(s, sp, maxsplit, name.equals("rsplit"));
            });
            case "startswith", "endswith" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 1, 1);
                List<Object> options = a.getFirst() instanceof List<?> l ? new ArrayList<>(l) : List.of(a.getFirst());
                for (Object o : options) {
                    String p = string(name, o);
                    if (name.equals("startswith") ? s.startsWith(p) : s.endsWith(p)) return true;
                }
                return false;
            });
            case "replace" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 2, 3);
                long count = a.size() > 2 ? integer(name, a.get(2)) : integer(name, kw.getOrDefault("count", -1L));
                return replace(s, string(name, a.get(0)), string(name, a.get(1)), count, in.limits.maxOutputChars());
            });
            case "find", "rfind", "index", "rindex", "count" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 1, 1);
                String sub = string(name, a.getFirst());
                if (name.equals("count")) return count(s, sub);
                int at = name.startsWith("r") ? s.lastIndexOf(sub) : s.indexOf(sub);
                if (at < 0 && name.endsWith("index")) throw new TemplateException("substring not found");
                return at < 0 ? -1L : (long) s.codePointCount(0, at);
            });
            case "removeprefix" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 1, 1);
                String p = string(name, a.getFirst());
                return s.startsWith(p) ? s.substring(p.length()) : s;
            });
            case "removesuffix" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 1, 1);
                String p = string(name, a.getFirst());
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            });
            case "join" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 1, 1);
                Values.Sink out = in.sink();
                List<Object> items = Values.iterate(a.getFirst());
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) out.append(s);
                    if (!(items.get(i) instanceof String t)) throw new TemplateException("sequence item " + i + ": expected str instance, " + Values.typeName(items.get(i)) + " found");
                    out.append(t);
                }
                return out.toString();
            });
            case "format" -> new Builtin(name, (in, pos, a, kw) -> format(s, a, kw, in));
            default -> null;
        };
    }

    private static Builtin noArgs(String name, java.util.function.Supplier<Object> f) {
        return new Builtin(name, (in, pos, a, kw) -> {
            arity(name, a, 0, 0);
            return f.get();
        });
    }

    static void arity(String name, List<Object> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw new TemplateException(name + "() takes " + (min == max ? "" + min : min + " to " + max) + " arguments (" + args.size() + " given)");
        }
    }

    static String string(String name, Object v) {
        if (v instanceof String s) return s;
        throw new TemplateException(name + "() argument must be str, not " + Values.typeName(v));
    }

    static long integer(String name, Object v) {
        if (v instanceof Long || v instanceof Boolean) return Values.asLong(v);
        if (v == null) return -1;
        throw new TemplateException(name + "() argument must be int, not " + Values.typeName(v));
    }

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

    private static List<Object> split(String s, String sep, long maxsplit, boolean fromRight) {
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

    private static List<Object> splitWhitespace(String s, long maxsplit, boolean fromRight) {
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

    private static long count(String s, String sub) {
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
    private static String format(String s, List<Object> args, Map<String, Object> kwargs, Interpreter in) {
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
