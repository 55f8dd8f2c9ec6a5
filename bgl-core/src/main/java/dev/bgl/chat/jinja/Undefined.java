package dev.bgl.chat.jinja;

/**
 * Jinja2's default Undefined: falsy, renders as "", iterates as empty; attribute access on it
 * yields another Undefined (lenient, as Hugging Face's jinja does); calling it or doing arithmetic with it is an error.
 * {@code hint} says what was missing, for error messages.
 */
record Undefined(String hint) {
    static Undefined named(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object name) {
        if (owner instanceof Undefined u) return u;
        return new Undefined("'" + Values.typeName(owner) + " object' has no attribute " + Values.repr(name, 200, 8));
    }

    @Override
    public String toString() {
        return "";
    }
}
