package dev.bgl.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face transformers defines it for chat templates:
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}.
 * Output is bounded like every other string a template builds.
 */
final class Json {
    private Json() {}

    record Options(int indent, boolean ensureAscii, boolean sortKeys, String itemSeparator, String keySeparator) {
        /** indent < 0 means none; null separators take Python's defaults for the indent. */
        static Options of(int indent, boolean ensureAscii, boolean sortKeys, String itemSep, String keySep) {
            if (itemSep == null) itemSep = indent >= 0 ? "," : ", ";
            if (keySep == null) keySep = ": ";
            return new Options(indent, ensureAscii, sortKeys, itemSep, keySep);
        }
    }

    static String dumps(Object v, Options o, int max, int maxDepth) {
        Values.Sink out = new Values.Sink(max);
        write(v, o, out, 0, maxDepth);
        return out.toString();
    }

    private static void write(Object v, Options o, Values.Sink out, int level, int maxDepth) {
        if (level > maxDepth) throw new TemplateException("value is nested too deeply for tojson");
        switch (v) {
            case null -> out.append("null");
            case Undefined u -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l.toString());
            case Double d -> out.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : Values.floatRepr(d));
            case String s -> out.append(quote(s, o.ensureAscii()));
            case List<?> l -> {
                if (l.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append("[");
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) out.append(o.itemSeparator());
                    newline(o, out, level + 1);
                    write(l.get(i), o, out, level + 1, maxDepth);
                }
                newline(o, out, level);
                out.append("]");
            }
            case Map<?, ?> m -> writeObject(m, o, out, level, maxDepth);
            case Namespace n -> writeObject(n.attributes, o, out, level, maxDepth);
            default -> throw new TemplateException("Object of type " + Values.typeName(v) + " is not JSON serializable");
        }
    }

    private static void writeObject(Map<?, ?> m, Options o, Values.Sink out, int level, int maxDepth) {
        if (m.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
        if (o.sortKeys()) entries.sort((a, b) -> Values.compareStrings(a.getKey(), b.getKey()));
        out.append("{");
        boolean first = true;
        for (Map.Entry<String, Object> e : entries) {
            if (!first) out.append(o.itemSeparator());
            first = false;
            newline(o, out, level + 1);
            out.append(quote(e.getKey(), o.ensureAscii()));
            out.append(o.keySeparator());
            write(e.getValue() == NULL ? null : e.getValue(), o, out, level + 1, maxDepth);
        }
        newline(o, out, level);
        out.append("}");
    }

    private static final Object NULL = new Object();

    private static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Values.floatRepr(d);
            default -> throw new TemplateException("keys must be str, int, float, bool or None, not " + Values.typeName(k));
        };
    }

    private static void newline(Options o, Values.Sink out, int level) {
        if (o.indent() < 0) return;
        out.append("\n");
        out.append(" ".repeat(Math.min(o.indent() * level, 1_000_000)));
    }

    static String quote(String s, boolean ensureAscii) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7f)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
