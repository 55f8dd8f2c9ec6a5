package dev.bgl.chat.jinja;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's built-in filters that chat templates use, with Jinja2's semantics;
 * {@code tojson} is the one Hugging Face transformers installs (ensure_ascii=False, no HTML escaping).
 *
 * <p>One table on purpose: a template names a filter and a reader looks it up here by that name, as
 * Jinja2's own {@code filters.py} keeps them; {@link #NAMES} beside the switch is what the parser
 * accepts, and keeping both in one file is how they stay in step. Split by value type the filters
 * would not divide cleanly ({@code length}, {@code first}, {@code sum}, {@code join} take strings and
 * lists alike), so only the algorithms behind some filters live apart: Python's string rules in
 * {@link PyStrings} (shared with the str methods), Jinja's escaping and title case in
 * {@link TextFilters}, the number conversions in {@link NumberFilters}.
 */
final class Filters {
    private Filters() {}

    static final Set<String> NAMES = Set.of(
        "abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
        "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum",
        "title", "tojson", "trim", "unique", "upper", "wordcount");

    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    static Object apply(Interpreter in, String name, Object v, List<Object> a, Map<String, Object> kw) {
        in.tick();
        switch (name) {
            case "default", "d" -> {
                Object def = arg(a, kw, 0, "default_value", "");
                boolean bool = Values.truthy(arg(a, kw, 1, "boolean", false));
                return v instanceof Undefined || (bool && !Values.truthy(v)) ? def : v;
            }
            case "safe" -> {
                return v;
            }
            case "string" -> {
                return in.str(v);
            }
            case "e", "escape" -> {
                return TextFilters.escape(in.str(v));
            }
            case "tojson" -> {
                Object indent = arg(a, kw, 0, "indent", null);
                Object seps = kw.get("separators");
                String itemSep = null;
                String keySep = null;
                if (seps instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String x && l.get(1) instanceof String y) {
                    itemSep = x;
                    keySep = y;
                } else if (seps != null) {
                    throw new TemplateException("tojson: separators must be a pair of strings");
                }
                int ind = indent == null ? -1 : (int) Math.min(Values.asLong(requireInt("tojson", indent)), 1_000_000);
                Json.Options o = Json.Options.of(ind, Values.truthy(kw.getOrDefault("ensure_ascii", false)),
                    Values.truthy(kw.getOrDefault("sort_keys", false)), itemSep, keySep);
                return Json.dumps(v, o, in.limits.maxOutputChars(), in.limits.maxNesting());
            }
            case "length", "count" -> {
                return (long) Values.length(v);
            }
            case "list" -> {
                return new ArrayList<>(Values.iterate(v));
            }
            case "first" -> {
                List<Object> items = Values.iterate(v);
                return items.isEmpty() ? new Undefined("first: the sequence is empty") : items.getFirst();
            }
            case "last" -> {
                List<Object> items = Values.iterate(v);
                return items.isEmpty() ? new Undefined("last: the sequence is empty") : items.getLast();
            }
            case "reverse" -> {
                if (v instanceof String s) return new StringBuilder(s).reverse().toString();
                return new ArrayList<>(Values.iterate(v)).reversed();
            }
            case "join" -> {
                String sep = (String) requireString("join", arg(a, kw, 0, "d", ""));
                Object attribute = arg(a, kw, 1, "attribute", null);
                List<Object> items = Values.iterate(v);
                Values.Sink out = in.sink();
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) out.append(sep);
                    Object item = attribute == null ? items.get(i) : attributePath(items.get(i), attribute);
                    out.append(in.str(item));
                }
                in.charge(items.size() / 16);
                return out.toString();
            }
            case "upper" -> {
                return in.str(v).toUpperCase(Locale.ROOT);
            }
            case "lower" -> {
                return in.str(v).toLowerCase(Locale.ROOT);
            }
            case "capitalize" -> {
                return PyStrings.capitalize(in.str(v));
            }
            case "title" -> {
                return TextFilters.title(in.str(v));
            }
            case "trim" -> {
                Object chars = arg(a, kw, 0, "chars", null);
                return PyStrings.strip(in.str(v), chars == null ? null : (String) requireString("trim", chars), true, true);
            }
            case "replace" -> {
                if (a.size() < 2) throw new TemplateException("replace needs the old and the new string");
                long count = a.size() > 2 ? Values.asLong(requireInt("replace", a.get(2))) : -1;
                return PyStrings.replace(in.str(v), in.str(a.get(0)), in.str(a.get(1)), count, in.limits.maxOutputChars());
            }
            case "indent" -> {
                return indent(in, in.str(v), arg(a, kw, 0, "width", 4L), Values.truthy(arg(a, kw, 1, "first", false)),
                    Values.truthy(arg(a, kw, 2, "blank", false)));
            }
            case "wordcount" -> {
                Matcher m = WORD.matcher(in.str(v));
                long n = 0;
                while (m.find()) n++;
                return n;
            }
            case "int" -> {
                return NumberFilters.toInt(v, arg(a, kw, 0, "default", 0L));
            }
            case "float" -> {
                return NumberFilters.toFloat(v, arg(a, kw, 0, "default", 0.0));
            }
            case "abs" -> {
                if (v instanceof Double d) return Math.abs(d);
                if (v instanceof Long || v instanceof Boolean) return Math.absExact(Values.asLong(v));
                throw new TemplateException("bad operand type for abs(): '" + Values.typeName(v) + "'");
            }
            case "round" -> {
                return NumberFilters.round(v, Values.asLong(requireInt("round", arg(a, kw, 0, "precision", 0L))),
                    (String) requireString("round", arg(a, kw, 1, "method", "common")));
            }
            case "items" -> {
                if (v instanceof Undefined) return new ArrayList<>();
                if (!(v instanceof Map<?, ?> m)) throw new TemplateException("items: expected a mapping, got " + Values.typeName(v));
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(pair(e.getKey(), e.getValue()));
                return out;
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) throw new TemplateException("dictsort: expected a mapping, got " + Values.typeName(v));
                boolean caseSensitive = Values.truthy(arg(a, kw, 0, "case_sensitive", false));
                String by = (String) requireString("dictsort", arg(a, kw, 1, "by", "key"));
                boolean reverse = Values.truthy(arg(a, kw, 2, "reverse", false));
                int index = switch (by) {
                    case "key" -> 0;
                    case "value" -> 1;
                    default -> throw new TemplateException("dictsort: 'by' must be 'key' or 'value'");
                };
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(pair(e.getKey(), e.getValue()));
                Comparator<Object> c = (x, y) -> Values.compare(sortKey(((List<?>) x).get(index), caseSensitive), sortKey(((List<?>) y).get(index), caseSensitive));
                out.sort(reverse ? c.reversed() : c);
                return out;
            }
            case "sort" -> {
                boolean reverse = Values.truthy(arg(a, kw, 0, "reverse", false));
                boolean caseSensitive = Values.truthy(arg(a, kw, 1, "case_sensitive", false));
                Object attribute = arg(a, kw, 2, "attribute", null);
                List<Object> out = new ArrayList<>(Values.iterate(v));
                in.charge(out.size() / 16);
                Comparator<Object> c = (x, y) -> Values.compare(
                    sortKey(attribute == null ? x : attributePath(x, attribute), caseSensitive),
                    sortKey(attribute == null ? y : attributePath(y, attribute), caseSensitive));
                out.sort(reverse ? c.reversed() : c);
                return out;
            }
            case "unique" -> {
                boolean caseSensitive = Values.truthy(arg(a, kw, 0, "case_sensitive", false));
                Object attribute = arg(a, kw, 1, "attribute", null);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                List<Object> items = Values.iterate(v);
                in.charge((long) items.size() * items.size() / 1024);
                for (Object item : items) {
                    Object key = sortKey(attribute == null ? item : attributePath(item, attribute), caseSensitive);
                    if (seen.stream().noneMatch(s -> Values.equal(s, key))) {
                        seen.add(key);
                        out.add(item);
                    }
                }
                return out;
            }
            case "min", "max" -> {
                boolean caseSensitive = Values.truthy(arg(a, kw, 0, "case_sensitive", false));
                Object attribute = arg(a, kw, 1, "attribute", null);
                List<Object> items = Values.iterate(v);
                if (items.isEmpty()) return new Undefined(name + ": the sequence is empty");
                Object best = items.getFirst();
                for (Object item : items) {
                    int c = Values.compare(sortKey(attribute == null ? item : attributePath(item, attribute), caseSensitive),
                        sortKey(attribute == null ? best : attributePath(best, attribute), caseSensitive));
                    if (name.equals("min") ? c < 0 : c > 0) best = item;
                }
                return best;
            }
            case "sum" -> {
                Object attribute = arg(a, kw, 0, "attribute", null);
                Object total = arg(a, kw, 1, "start", 0L);
                for (Object item : Values.iterate(v)) {
                    total = Operators.binary("+", total, attribute == null ? item : attributePath(item, attribute), in);
                }
                return total;
            }
            case "attr" -> {
                return MemberAccess.attribute(v, (String) requireString("attr", arg(a, kw, 0, "name", null)));
            }
            case "batch" -> {
                long size = Values.asLong(requireInt("batch", arg(a, kw, 0, "linecount", null)));
                if (size <= 0) throw new TemplateException("batch: size must be positive");
                Object fill = arg(a, kw, 1, "fill_with", null);
                boolean filling = a.size() > 1 || kw.containsKey("fill_with");
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object item : Values.iterate(v)) {
                    cur.add(item);
                    if (cur.size() == size) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                }
                if (!cur.isEmpty()) {
                    if (filling) while (cur.size() < size) cur.add(fill);
                    out.add(cur);
                }
                return out;
            }
            case "map" -> {
                List<Object> items = Values.iterate(v);
                List<Object> out = new ArrayList<>(items.size());
                if (kw.containsKey("attribute")) {
                    Object attribute = kw.get("attribute");
                    boolean hasDefault = kw.containsKey("default");
                    for (Object item : items) {
                        Object x = attributePath(item, attribute);
                        out.add(x instanceof Undefined && hasDefault ? kw.get("default") : x);
                    }
                    return out;
                }
                if (a.isEmpty()) throw new TemplateException("map needs a filter name or attribute=");
                String filter = (String) requireString("map", a.getFirst());
                if (!NAMES.contains(filter)) throw new TemplateException("no filter named '" + filter + "'");
                List<Object> rest = a.subList(1, a.size());
                for (Object item : items) out.add(apply(in, filter, item, rest, kw));
                return out;
            }
            case "select", "reject" -> {
                boolean keep = name.equals("select");
                List<Object> out = new ArrayList<>();
                for (Object item : Values.iterate(v)) {
                    boolean ok = a.isEmpty() ? Values.truthy(item) : test(in, a.getFirst(), item, a.subList(1, a.size()));
                    if (ok == keep) out.add(item);
                }
                return out;
            }
            case "selectattr", "rejectattr" -> {
                boolean keep = name.equals("selectattr");
                if (a.isEmpty()) throw new TemplateException(name + " needs an attribute name");
                List<Object> out = new ArrayList<>();
                for (Object item : Values.iterate(v)) {
                    Object x = attributePath(item, a.getFirst());
                    boolean ok = a.size() < 2 ? Values.truthy(x) : test(in, a.get(1), x, a.subList(2, a.size()));
                    if (ok == keep) out.add(item);
                }
                return out;
            }
            default -> throw new TemplateException("no filter named '" + name + "'");
        }
    }

    private static boolean test(Interpreter in, Object name, Object v, List<Object> args) {
        String t = (String) requireString("select", name);
        if (!Tests.NAMES.contains(t)) throw new TemplateException("no test named '" + t + "'");
        return Tests.apply(in, t, v, args);
    }

    private static Object arg(List<Object> a, Map<String, Object> kw, int i, String name, Object def) {
        if (i < a.size()) return a.get(i);
        return kw.containsKey(name) ? kw.get(name) : def;
    }

    private static Object requireString(String filter, Object v) {
        if (v instanceof String) return v;
        throw new TemplateException(filter + ": expected a string argument, got " + Values.typeName(v));
    }

    private static Object requireInt(String filter, Object v) {
        if (v instanceof Long || v instanceof Boolean) return v;
        throw new TemplateException(filter + ": expected an integer argument, got " + Values.typeName(v));
    }

    private static List<Object> pair(Object k, Object v) {
        List<Object> p = new ArrayList<>(2);
        p.add(k);
        p.add(v);
        return p;
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    /** Jinja2's attribute lookup for filters: "a.b.0" walks attributes and integer indexes. */
    static Object attributePath(Object item, Object attribute) {
        if (attribute instanceof Long) return MemberAccess.item(item, attribute);
        Object cur = item;
        for (String part : ((String) requireString("attribute", attribute)).split("\\.", -1)) {
            Object key = part;
            if (!part.isEmpty() && part.chars().allMatch(Character::isDigit)) {
                try {
                    key = Long.parseLong(part);
                } catch (NumberFormatException e) {
                    key = part;
                }
            }
            cur = MemberAccess.item(cur, key);
        }
        return cur;
    }

    /** Jinja2 3.1's indent filter (it splits with str.splitlines, so a trailing newline is dropped). */
    private static String indent(Interpreter in, String s, Object width, boolean first, boolean blank) {
        String pad = width instanceof String w ? w : " ".repeat((int) Math.min(Values.asLong(requireInt("indent", width)), in.limits.maxOutputChars()));
        List<Object> lines = PyStrings.splitlines(s + "\n");
        Values.Sink out = in.sink();
        if (first) out.append(pad);
        for (int i = 0; i < lines.size(); i++) {
            String line = (String) lines.get(i);
            if (i > 0) {
                out.append("\n");
                if (blank || !line.isEmpty()) out.append(pad);
            }
            out.append(line);
        }
        return out.toString();
    }
}
