package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Callable.Builtin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Python str and dict methods chat templates call ({@code content.strip('\n')}, {@code d.get('k', 0)}, ...):
 * one table per receiver type, looked up by name as Python looks up an attribute, so a reader finds a
 * method by its Python name. Their string algorithms, which filters share, are {@link PyStrings}'.
 */
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
                return PyStrings.strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            });
            case "upper" -> noArgs(name, () -> s.toUpperCase(java.util.Locale.ROOT));
            case "lower" -> noArgs(name, () -> s.toLowerCase(java.util.Locale.ROOT));
            case "title" -> noArgs(name, () -> PyStrings.title(s));
            case "capitalize" -> noArgs(name, () -> PyStrings.capitalize(s));
            case "splitlines" -> noArgs(name, () -> PyStrings.splitlines(s));
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
                if (sep == null) return PyStrings.splitWhitespace(s, maxsplit, name.equals("rsplit"));
                String sp = string(name, sep);
                if (sp.isEmpty()) throw new TemplateException("empty separator");
                return PyStrings.split(s, sp, maxsplit, name.equals("rsplit"));
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
                return PyStrings.replace(s, string(name, a.get(0)), string(name, a.get(1)), count, in.limits.maxOutputChars());
            });
            case "find", "rfind", "index", "rindex", "count" -> new Builtin(name, (in, pos, a, kw) -> {
                arity(name, a, 1, 1);
                String sub = string(name, a.getFirst());
                if (name.equals("count")) return PyStrings.count(s, sub);
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
            case "format" -> new Builtin(name, (in, pos, a, kw) -> PyStrings.format(s, a, kw, in));
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
}
