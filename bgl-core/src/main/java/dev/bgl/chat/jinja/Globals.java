package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Callable.Builtin;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The functions a template can call by name: Jinja2's {@code range}, {@code namespace}, {@code dict},
 * and the two Hugging Face adds for chat templates, {@code raise_exception} and {@code strftime_now}.
 */
final class Globals {
    private Globals() {}

    static void install(Map<String, Object> vars) {
        vars.put("range", new Builtin("range", Globals::range));
        vars.put("namespace", new Builtin("namespace", (in, pos, a, kw) -> {
            Namespace ns = new Namespace();
            if (a.size() > 1) throw new TemplateException("namespace() takes at most 1 positional argument");
            if (a.size() == 1) {
                if (!(a.getFirst() instanceof Map<?, ?> m)) throw new TemplateException("namespace() argument must be a mapping");
                for (Map.Entry<?, ?> e : m.entrySet()) ns.attributes.put(in.str(e.getKey()), e.getValue());
            }
            ns.attributes.putAll(kw);
            return ns;
        }));
        vars.put("dict", new Builtin("dict", (in, pos, a, kw) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            if (a.size() > 1) throw new TemplateException("dict() takes at most 1 positional argument");
            if (a.size() == 1) {
                if (!(a.getFirst() instanceof Map<?, ?> m)) throw new TemplateException("dict() argument must be a mapping");
                d.putAll(m);
            }
            d.putAll(kw);
            return d;
        }));
        vars.put("raise_exception", new Builtin("raise_exception", (in, pos, a, kw) -> {
            String msg = a.isEmpty() ? "" : in.str(a.getFirst());
            throw new TemplateException(pos.line(), pos.column(), "the template raised an error: " + msg);
        }));
        vars.put("strftime_now", new Builtin("strftime_now", (in, pos, a, kw) -> {
            if (a.size() != 1 || !(a.getFirst() instanceof String f)) throw new TemplateException("strftime_now() takes one format string");
            return strftime(ZonedDateTime.now(), f);
        }));
    }

    private static Object range(Interpreter in, Node.Pos pos, List<Object> a, Map<String, Object> kw) {
        if (a.isEmpty() || a.size() > 3) throw new TemplateException("range() takes 1 to 3 arguments");
        long[] n = new long[a.size()];
        for (int i = 0; i < n.length; i++) {
            Object v = a.get(i);
            if (!(v instanceof Long || v instanceof Boolean)) throw new TemplateException("range() arguments must be integers, not " + Values.typeName(v));
            n[i] = Values.asLong(v);
        }
        long start = n.length == 1 ? 0 : n[0];
        long stop = n.length == 1 ? n[0] : n[1];
        long step = n.length == 3 ? n[2] : 1;
        if (step == 0) throw new TemplateException("range() step must not be zero");
        double count = step > 0 ? Math.ceil(((double) stop - start) / step) : Math.ceil(((double) start - stop) / -step);
        if (count > in.limits.maxRangeSize()) {
            throw TemplateException.limit("range() of " + (long) count + " items exceeds the limit of " + in.limits.maxRangeSize());
        }
        List<Object> out = new ArrayList<>((int) Math.max(count, 0));
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) out.add(i);
        return out;
    }

    /** Python's strftime for the common directives (and glibc's %-d style no-padding flag). */
    static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < format.length()) {
                pad = false;
                d = format.charAt(++i);
            }
            switch (d) {
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(two(t.getYear() % 100, pad));
                case 'm' -> sb.append(two(t.getMonthValue(), pad));
                case 'd' -> sb.append(two(t.getDayOfMonth(), pad));
                case 'e' -> sb.append(pad ? String.format("%2d", t.getDayOfMonth()) : t.getDayOfMonth());
                case 'H' -> sb.append(two(t.getHour(), pad));
                case 'I' -> sb.append(two((t.getHour() + 11) % 12 + 1, pad));
                case 'M' -> sb.append(two(t.getMinute(), pad));
                case 'S' -> sb.append(two(t.getSecond(), pad));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> sb.append(pad ? String.format("%03d", t.getDayOfYear()) : t.getDayOfYear());
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(pad ? "" : "-").append(d);
            }
        }
        return sb.toString();
    }

    private static String two(int v, boolean pad) {
        return pad && v < 10 ? "0" + v : Integer.toString(v);
    }
}
