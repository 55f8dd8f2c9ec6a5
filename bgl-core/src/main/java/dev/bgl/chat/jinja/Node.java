package dev.bgl.chat.jinja;

import java.util.List;

/** The syntax tree of a template: statements and expressions, each carrying its source position. */
sealed interface Node {
    Pos pos();

    /** 1-based line and column of the construct in the template source. */
    record Pos(int line, int column) {
        @Override
        public String toString() {
            return line + ":" + column;
        }
    }

    /** A call or filter argument; {@code name} is null for a positional one. */
    record Arg(String name, Expr value) {}

    /** A macro or caller parameter; {@code defaultValue} is null when there is none. */
    record Param(String name, Expr defaultValue) {}

    // ---- statements ----

    sealed interface Stmt extends Node {}

    record Text(Pos pos, String text) implements Stmt {}

    record Emit(Pos pos, Expr value) implements Stmt {}

    record If(Pos pos, List<Branch> branches, List<Stmt> otherwise) implements Stmt {}

    record Branch(Expr condition, List<Stmt> body) {}

    /** {@code for a, b in iterable if condition}; condition may be null. */
    record For(Pos pos, List<String> targets, boolean unpack, Expr iterable, Expr condition,
               List<Stmt> body, List<Stmt> otherwise) implements Stmt {}

    record Set(Pos pos, Target target, Expr value) implements Stmt {}

    /** {@code {% set x %}...{% endset %}}, optionally with filters applied to the captured text. */
    record SetBlock(Pos pos, Target target, List<Stmt> body, List<FilterCall> filters) implements Stmt {}

    record MacroDef(Pos pos, String name, List<Param> params, List<Stmt> body) implements Stmt {}

    /** {@code {% call(params) macro(args) %}body{% endcall %}}: body becomes {@code caller()}. */
    record CallBlock(Pos pos, Call call, List<Param> callerParams, List<Stmt> body) implements Stmt {}

    record FilterBlock(Pos pos, List<FilterCall> filters, List<Stmt> body) implements Stmt {}

    /** A list of statements without a scope of its own ({@code {% generation %}}). */
    record Block(Pos pos, List<Stmt> body) implements Stmt {}

    record Break(Pos pos) implements Stmt {}

    record Continue(Pos pos) implements Stmt {}

    /** What a set statement assigns to. */
    sealed interface Target {}

    record NameTarget(String name) implements Target {}

    record TupleTarget(List<String> names) implements Target {}

    record AttrTarget(Expr object, String attribute) implements Target {}

    // ---- expressions ----

    sealed interface Expr extends Node {}

    record Const(Pos pos, Object value) implements Expr {}

    record Name(Pos pos, String name) implements Expr {}

    record ListLit(Pos pos, List<Expr> items) implements Expr {}

    record TupleLit(Pos pos, List<Expr> items) implements Expr {}

    record DictLit(Pos pos, List<Expr> keys, List<Expr> values) implements Expr {}

    record GetAttr(Pos pos, Expr object, String attribute) implements Expr {}

    record GetItem(Pos pos, Expr object, Expr key) implements Expr {}

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Pos pos, Expr object, Expr start, Expr stop, Expr step) implements Expr {}

    record Call(Pos pos, Expr callee, List<Arg> args) implements Expr {}

    record FilterCall(Pos pos, String name, List<Arg> args) {}

    record Filter(Pos pos, Expr operand, FilterCall filter) implements Expr {}

    record Test(Pos pos, Expr operand, String name, List<Arg> args, boolean negate) implements Expr {}

    /** {@code not}, unary minus and plus. */
    record Unary(Pos pos, String op, Expr operand) implements Expr {}

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(Pos pos, String op, Expr left, Expr right) implements Expr {}

    /** A comparison chain {@code a < b <= c} (Python semantics: each pair compared, all must hold). */
    record Compare(Pos pos, Expr first, List<String> ops, List<Expr> rest) implements Expr {}

    /** {@code a if test else b}; otherwise may be null (then the result is undefined). */
    record CondExpr(Pos pos, Expr test, Expr then, Expr otherwise) implements Expr {}
}
