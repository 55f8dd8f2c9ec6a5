package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Callable.Builtin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code loop} variable inside a for loop: index, index0, revindex, first, last, length,
 * the neighbours and {@code cycle()}. Depth is always 1: the parser refuses recursive loops.
 */
final class LoopVariable {
    private LoopVariable() {}

    /** The {@code loop} variable of iteration {@code i} (from 0) over {@code items}. */
    static Map<Object, Object> at(List<Object> items, int i) {
        int n = items.size();
        Map<Object, Object> loop = new LinkedHashMap<>();
        loop.put("index", (long) i + 1);
        loop.put("index0", (long) i);
        loop.put("revindex", (long) (n - i));
        loop.put("revindex0", (long) (n - i - 1));
        loop.put("first", i == 0);
        loop.put("last", i == n - 1);
        loop.put("length", (long) n);
        loop.put("depth", 1L);
        loop.put("depth0", 0L);
        if (i > 0) loop.put("previtem", items.get(i - 1));
        if (i < n - 1) loop.put("nextitem", items.get(i + 1));
        loop.put("cycle", new Builtin("cycle", (in, pos, args, kw) -> {
            if (args.isEmpty()) throw new TemplateException("loop.cycle() needs at least one argument");
            return args.get(i % args.size());
        }));
        return loop;
    }
}
