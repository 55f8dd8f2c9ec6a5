package dev.bgl.chat.jinja;

import java.util.HashMap;
import java.util.Map;

/** Variables of one scope; lookups fall back to the parent (Jinja2: each loop iteration and macro call has one). */
final class Scope {
    final Scope parent;
    final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.get(name);
            if (v != null || s.vars.containsKey(name)) return v;
        }
        return Undefined.named(name);
    }
}
