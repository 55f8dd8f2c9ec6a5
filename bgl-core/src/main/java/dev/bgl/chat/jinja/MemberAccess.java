package dev.bgl.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attribute, item and slice access. Only a map's keys, a namespace's attributes, list and string
 * indexing and the Python methods in {@link Methods} exist; any other name (e.g. {@code __class__},
 * {@code getClass}) is simply undefined, so there is no path from a template to a Java object.
 */
final class MemberAccess {
    private MemberAccess() {}

    /** {@code obj.name}: Jinja2 tries the attribute (a method) first, then the item. */
    static Object attribute(Object obj, String name) {
        switch (obj) {
            case Map<?, ?> m -> {
                Object method = Methods.of(m, name);
                if (method != null) return method;
                if (m.containsKey(name)) return m.get(name);
            }
            case Namespace ns -> {
                if (ns.attributes.containsKey(name)) return ns.attributes.get(name);
            }
            case String s -> {
                Object method = Methods.of(s, name);
                if (method != null) return method;
            }
            case null, default -> { }
        }
        return Undefined.attribute(obj, name);
    }

    /** {@code obj[key]}: Jinja2 tries the item first, then (for a string key) the attribute. */
    static Object item(Object obj, Object key) {
        switch (obj) {
            case Map<?, ?> m -> {
                if (m.containsKey(key)) return m.get(key);
                if (Values.isNumber(key)) {
                    for (Map.Entry<?, ?> e : m.entrySet()) if (Values.equal(e.getKey(), key)) return e.getValue();
                }
            }
            case List<?> l -> {
                if (key instanceof Long || key instanceof Boolean) {
                    long i = Values.asLong(key);
                    if (i < 0) i += l.size();
                    return i >= 0 && i < l.size() ? l.get((int) i) : new Undefined("list index out of range");
                }
            }
            case String s -> {
                if (key instanceof Long || key instanceof Boolean) {
                    long i = Values.asLong(key);
                    int n = s.codePointCount(0, s.length());
                    if (i < 0) i += n;
                    if (i < 0 || i >= n) return new Undefined("string index out of range");
                    int at = s.offsetByCodePoints(0, (int) i);
                    return Character.toString(s.codePointAt(at));
                }
            }
            case null, default -> { }
        }
        if (key instanceof String name) return attribute(obj, name);
        return Undefined.attribute(obj, key);
    }

    /** {@code obj[start:stop:step]} with Python's rules for missing and negative bounds. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined) return obj;
        long st = sliceBound(step, 1);
        if (st == 0) throw new TemplateException("slice step cannot be zero");
        List<Object> items;
        boolean string = obj instanceof String;
        if (obj instanceof String s) items = Values.codePoints(s);
        else if (obj instanceof List<?> l) {
            @SuppressWarnings("unchecked") List<Object> list = (List<Object>) l;
            items = list;
        } else throw new TemplateException("'" + Values.typeName(obj) + "' object is not subscriptable");
        int n = items.size();
        long lo;
        long hi;
        if (st > 0) {
            lo = clamp(sliceBound(start, 0), n, 0, n);
            hi = clamp(sliceBound(stop, n), n, 0, n);
        } else {
            lo = clamp(sliceBound(start, n - 1), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(sliceBound(stop, -1), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) out.add(items.get((int) i));
        if (!string) return out;
        StringBuilder sb = new StringBuilder();
        for (Object o : out) sb.append((String) o);
        return sb.toString();
    }

    private static long sliceBound(Object v, long absent) {
        if (v == null || v instanceof Undefined) return absent;
        if (v instanceof Long || v instanceof Boolean) return Values.asLong(v);
        throw new TemplateException("slice indices must be integers or None");
    }

    private static long clamp(long i, int n, long min, long max) {
        if (i < 0) i += n;
        return Math.max(min, Math.min(max, i));
    }
}
