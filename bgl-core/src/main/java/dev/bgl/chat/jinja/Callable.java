package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Node.Param;
import dev.bgl.chat.jinja.Node.Pos;
import dev.bgl.chat.jinja.Node.Stmt;

import java.util.List;
import java.util.Map;

/** The only callable values a template can hold: its own macros and this engine's built-in functions. */
sealed interface Callable {

    /** A macro (or the body of a call block, as {@code caller}); {@code closure} is the scope it was defined in. */
    record Macro(String name, List<Param> params, List<Stmt> body, Scope closure) implements Callable {}

    /** A built-in function or a method bound to its receiver (e.g. a string's {@code strip}). */
    record Builtin(String name, Impl impl) implements Callable {}

    @FunctionalInterface
    interface Impl {
        Object call(Interpreter in, Pos pos, List<Object> args, Map<String, Object> kwargs);
    }
}
