package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Callable.Builtin;
import dev.bgl.chat.jinja.Callable.Macro;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The template data model, and Python's semantics over it. A template value is one of:
 * null (None), {@link Undefined}, Boolean, Long, Double, String, List, Map, {@link Namespace}, {@link Callable}.
 * Nothing else can enter ({@link #fromJava} rejects it), so no Java object's methods can be reached.
 */
final class Values {
    private Values() {}

    /** Copies a Java value into the data model, refusing anything that is not plain data. */
    static Object fromJava(Object v, int depth) {
        if (depth > 64) throw new TemplateException("variable nested more than 64 levels deep");
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer n -> n.longValue();
            case Short n -> n.longValue();
            case Byte n -> n.longValue();
            case Double d -> d;
            case Float f -> f.doubleValue();
            case BigInteger b -> {
                if (b.bitLength() > 63) throw new TemplateException("integer variable out of range: " + b);
                yield b.longValue();
            }
            case BigDecimal b -> b.doubleValue();
            case Character c -> String.valueOf(c);
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.put(fromJava(e.getKey(), depth + 1), fromJava(e.getValue(), depth + 1));
                yield out;
            }
            case Iterable<?> it -> {
                List<Object> out = new ArrayList<>();
                for (Object o : it) out.add(fromJava(o, depth + 1));
                yield out;
            }
            case Object[] arr -> {
                List<Object> out = new ArrayList<>();
                for (Object o : arr) out.add(fromJava(o, depth + 1));
                yield out;
            }
            default -> throw new TemplateException("variables must be plain data (null, boolean, number, string, list, map), not "
                + v.getClass().getSimpleName());
        };
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Undefined u -> "Undefined";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "Namespace";
            case Macro m -> "Macro";
            case Builtin b -> "builtin_function_or_method";
            default -> v.getClass().getSimpleName();
        };
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    /** Python int value of an int or bool. */
    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double asDouble(Object v) {
        return switch (v) {
            case Boolean b -> b ? 1 : 0;
            case Long l -> l;
            case Double d -> d;
            default -> throw new IllegalArgumentException(typeName(v));
        };
    }

    /** Python's ==. */
    static boolean equal(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return asDouble(a) == asDouble(b);
            return asLong(a) == asLong(b);
        }
        if (a instanceof Undefined && b instanceof Undefined) return true;
        if (a instanceof String s && b instanceof String t) return s.equals(t);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!equal(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python's ordering ({@code <}); throws for types Python cannot order. */
    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return Double.compare(asDouble(a), asDouble(b));
            return Long.compare(asLong(a), asLong(b));
        }
        if (a instanceof String s && b instanceof String t) return compareStrings(s, t);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) return compare(x.get(i), y.get(i));
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new TemplateException("'<' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    /** Code-point order, as Python compares strings. */
    static int compareStrings(String s, String t) {
        int i = 0;
        int j = 0;
        while (i < s.length() && j < t.length()) {
            int a = s.codePointAt(i);
            int b = t.codePointAt(j);
            if (a != b) return Integer.compare(a, b);
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Integer.compare(s.length() - i, t.length() - j);
    }

    /** Python's {@code x in container}. */
    static boolean contains(Object container, Object item) {
        return switch (container) {
            case null -> throw new TemplateException("argument of type 'NoneType' is not iterable");
            case String s -> {
                if (!(item instanceof String t)) throw new TemplateException("'in <string>' requires string as left operand, not " + typeName(item));
                yield s.contains(t);
            }
            case List<?> l -> {
                for (Object o : l) if (equal(o, item)) yield true;
                yield false;
            }
            case Map<?, ?> m -> m.containsKey(item) || (isNumber(item) && m.keySet().stream().anyMatch(k -> equal(k, item)));
            case Namespace n -> n.attributes.containsKey(item);
            case Undefined u -> false;
            default -> throw new TemplateException("argument of type '" + typeName(container) + "' is not iterable");
        };
    }

    /** The items a for loop or a filter iterates over: a list's items, a dict's keys, a string's characters. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case null -> throw new TemplateException("'NoneType' object is not iterable");
            case List<?> l -> {
                @SuppressWarnings("unchecked") List<Object> list = (List<Object>) l;
                yield list;
            }
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> codePoints(s);
            case Undefined u -> List.of();
            case Namespace n -> throw new TemplateException("'Namespace' object is not iterable");
            default -> throw new TemplateException("'" + typeName(v) + "' object is not iterable");
        };
    }

    static List<Object> codePoints(String s) {
        List<Object> out = new ArrayList<>(s.length());
        s.codePoints().forEach(cp -> out.add(Character.toString(cp)));
        return out;
    }

    static int length(Object v) {
        return switch (v) {
            case null -> throw new TemplateException("object of type 'NoneType' has no len()");
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Namespace n -> n.attributes.size();
            case Undefined u -> 0;
            default -> throw new TemplateException("object of type '" + typeName(v) + "' has no len()");
        };
    }

    // ---- rendering: Python's str() and repr() ----

    /** Python's str(v), as {{ v }} renders it; limited to {@code max} chars and {@code maxDepth} levels. */
    static String str(Object v, int max, int maxDepth) {
        if (v instanceof String s) return s;
        if (v instanceof Undefined) return "";
        Sink sink = new Sink(max);
        repr(v, sink, maxDepth);
        return sink.toString();
    }

    static String repr(Object v, int max, int maxDepth) {
        Sink sink = new Sink(max);
        repr(v, sink, maxDepth);
        return sink.toString();
    }

    private static void repr(Object v, Sink out, int depthLeft) {
        if (depthLeft < 0) throw new TemplateException("value is nested too deeply to render");
        switch (v) {
            case null -> out.append("None");
            case Undefined u -> out.append("");
            case Boolean b -> out.append(b ? "True" : "False");
            case Long l -> out.append(l.toString());
            case Double d -> out.append(floatRepr(d));
            case String s -> stringRepr(s, out);
            case List<?> l -> {
                out.append("[");
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) out.append(", ");
                    repr(l.get(i), out, depthLeft - 1);
                }
                out.append("]");
            }
            case Map<?, ?> m -> {
                out.append("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) out.append(", ");
                    first = false;
                    repr(e.getKey(), out, depthLeft - 1);
                    out.append(": ");
                    repr(e.getValue(), out, depthLeft - 1);
                }
                out.append("}");
            }
            case Namespace n -> {
                out.append("<Namespace ");
                repr(n.attributes, out, depthLeft - 1);
                out.append(">");
            }
            case Macro m -> out.append("<Macro '" + m.name() + "'>");
            case Builtin b -> out.append("<built-in function " + b.name() + ">");
            default -> throw new IllegalStateException("not a template value: " + v.getClass());
        }
    }

    /** Python's repr(float): shortest round-trip digits, scientific notation outside [1e-4, 1e16). */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale();
        StringBuilder sb = new StringBuilder();
        if (d < 0) sb.append('-');
        if (exp >= -4 && exp < 16) {
            if (exp >= 0) {
                if (digits.length() <= exp + 1) {
                    sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
                } else {
                    sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
                }
            } else {
                sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) sb.append('0');
            sb.append(a);
        }
        return sb.toString();
    }

    private static void stringRepr(String s, Sink out) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') sb.append('\\').appendCodePoint(cp);
            else if (cp == '\n') sb.append("\\n");
            else if (cp == '\r') sb.append("\\r");
            else if (cp == '\t') sb.append("\\t");
            else if (cp == ' ' || isPrintable(cp)) sb.appendCodePoint(cp);
            else if (cp < 0x100) sb.append(String.format("\\x%02x", cp));
            else if (cp < 0x10000) sb.append(String.format("\\u%04x", cp));
            else sb.append(String.format("\\U%08x", cp));
        }
        sb.append(quote);
        out.append(sb.toString());
    }

    /** Python's str.isprintable for one code point. */
    static boolean isPrintable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** A string builder that refuses to grow past a limit, so no template can exhaust memory. */
    static final class Sink {
        private final StringBuilder sb = new StringBuilder();
        private final int max;
        private final String what;

        Sink(int max) {
            this(max, "string");
        }

        /** {@code what} names the text in the error message: "output" or "string". */
        Sink(int max, String what) {
            this.max = max;
            this.what = what;
        }

        Sink append(String s) {
            if ((long) sb.length() + s.length() > max) throw TemplateException.limit(what + " exceeds " + max + " chars");
            sb.append(s);
            return this;
        }

        int length() {
            return sb.length();
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
