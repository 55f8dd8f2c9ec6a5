package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Callable.Builtin;
import dev.bgl.chat.jinja.Callable.Macro;
import dev.bgl.chat.jinja.Node.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the syntax tree and renders it. One interpreter renders once: it carries the budgets
 * (loop iterations, macro depth, nesting, wall-clock deadline) that bound that render.
 */
final class Interpreter {
    private enum Flow { NORMAL, BREAK, CONTINUE }

    final TemplateLimits limits;
    private final RenderBudget budget;

    Interpreter(TemplateLimits limits) {
        this.limits = limits;
        this.budget = new RenderBudget(limits);
    }

    String render(List<Stmt> body, Map<String, Object> variables) {
        Scope globals = new Scope(null);
        Globals.install(globals.vars);
        Scope root = new Scope(globals);
        for (Map.Entry<String, Object> e : variables.entrySet()) root.vars.put(e.getKey(), Values.fromJava(e.getValue(), 0));
        Values.Sink out = new Values.Sink(limits.maxOutputChars(), "output");
        try {
            exec(body, root, out);
        } catch (StackOverflowError e) {
            // Last resort: the nesting limits should make this unreachable.
            throw TemplateException.limit("template recursion is too deep");
        }
        return out.toString();
    }

    /** A string that a template builds, bounded like the output. */
    Values.Sink sink() {
        return new Values.Sink(limits.maxOutputChars(), "string");
    }

    String str(Object v) {
        return Values.str(v, limits.maxOutputChars(), limits.maxNesting());
    }

    // ---- statements ----

    private Flow exec(List<Stmt> body, Scope s, Values.Sink out) {
        for (Stmt st : body) {
            Flow f = exec(st, s, out);
            if (f != Flow.NORMAL) return f;
        }
        return Flow.NORMAL;
    }

    private Flow exec(Stmt st, Scope s, Values.Sink out) {
        budget.enter();
        try {
            switch (st) {
                case Text t -> out.append(t.text());
                case Emit e -> out.append(str(eval(e.value(), s)));
                case If i -> {
                    for (Branch b : i.branches()) {
                        if (Values.truthy(eval(b.condition(), s))) return exec(b.body(), s, out);
                    }
                    return exec(i.otherwise(), s, out);
                }
                case For f -> forLoop(f, s, out);
                case Set set -> assign(set.target(), eval(set.value(), s), s);
                case SetBlock sb -> {
                    Values.Sink captured = sink();
                    exec(sb.body(), new Scope(s), captured);
                    Object v = captured.toString();
                    for (FilterCall fc : sb.filters()) v = filter(fc, v, s);
                    assign(sb.target(), v, s);
                }
                case MacroDef m -> s.vars.put(m.name(), new Macro(m.name(), m.params(), m.body(), s));
                case CallBlock cb -> {
                    Macro caller = new Macro("caller", cb.callerParams(), cb.body(), s);
                    Object callee = eval(cb.call().callee(), s);
                    if (!(callee instanceof Macro m)) throw new TemplateException("{% call %} needs a macro, got " + Values.typeName(callee));
                    List<Object> args = new ArrayList<>();
                    Map<String, Object> kwargs = new LinkedHashMap<>();
                    evalArgs(cb.call().args(), s, args, kwargs);
                    out.append(callMacro(m, args, kwargs, caller));
                }
                case FilterBlock fb -> {
                    Values.Sink captured = sink();
                    exec(fb.body(), s, captured);
                    Object v = captured.toString();
                    for (FilterCall fc : fb.filters()) v = filter(fc, v, s);
                    out.append(str(v));
                }
                case Block b -> {
                    return exec(b.body(), s, out);
                }
                case Break b -> {
                    return Flow.BREAK;
                }
                case Continue c -> {
                    return Flow.CONTINUE;
                }
            }
            return Flow.NORMAL;
        } catch (TemplateException e) {
            throw e.at(st.pos());
        } finally {
            budget.leave();
        }
    }

    private void forLoop(For f, Scope s, Values.Sink out) {
        Object iterable = eval(f.iterable(), s);
        List<Object> items;
        try {
            items = Values.iterate(iterable);
        } catch (TemplateException e) {
            throw e.at(f.iterable().pos());
        }
        if (f.condition() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                budget.loopTick();
                Scope t = new Scope(s);
                bindTargets(f, item, t);
                if (Values.truthy(eval(f.condition(), t))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(f.otherwise(), s, out);
            return;
        }
        int n = items.size();
        for (int i = 0; i < n; i++) {
            budget.loopTick();
            Scope inner = new Scope(s);
            bindTargets(f, items.get(i), inner);
            inner.vars.put("loop", LoopVariable.at(items, i));
            if (exec(f.body(), inner, out) == Flow.BREAK) break;
        }
    }

    private static void bindTargets(For f, Object item, Scope scope) {
        if (!f.unpack()) {
            scope.vars.put(f.targets().getFirst(), item);
            return;
        }
        List<Object> parts = Values.iterate(item);
        if (parts.size() != f.targets().size()) {
            throw new TemplateException("cannot unpack " + parts.size() + " values into " + f.targets().size() + " loop variables");
        }
        for (int i = 0; i < parts.size(); i++) scope.vars.put(f.targets().get(i), parts.get(i));
    }

    private void assign(Target target, Object value, Scope s) {
        switch (target) {
            case NameTarget n -> s.vars.put(n.name(), value);
            case TupleTarget t -> {
                List<Object> parts = Values.iterate(value);
                if (parts.size() != t.names().size()) {
                    throw new TemplateException("cannot unpack " + parts.size() + " values into " + t.names().size() + " names");
                }
                for (int i = 0; i < parts.size(); i++) s.vars.put(t.names().get(i), parts.get(i));
            }
            case AttrTarget a -> {
                Object obj = eval(a.object(), s);
                if (!(obj instanceof Namespace ns)) {
                    throw new TemplateException("cannot assign attribute '" + a.attribute() + "' on a " + Values.typeName(obj) + " (only on a namespace)");
                }
                ns.attributes.put(a.attribute(), value);
            }
        }
    }

    // ---- expressions ----

    Object eval(Expr e, Scope s) {
        budget.enter();
        try {
            return switch (e) {
                case Const c -> c.value();
                case Name n -> s.lookup(n.name());
                case ListLit l -> {
                    List<Object> out = new ArrayList<>(l.items().size());
                    for (Expr x : l.items()) out.add(eval(x, s));
                    yield out;
                }
                case TupleLit t -> {
                    List<Object> out = new ArrayList<>(t.items().size());
                    for (Expr x : t.items()) out.add(eval(x, s));
                    yield out;
                }
                case DictLit d -> {
                    Map<Object, Object> out = new LinkedHashMap<>();
                    for (int i = 0; i < d.keys().size(); i++) out.put(dictKey(eval(d.keys().get(i), s)), eval(d.values().get(i), s));
                    yield out;
                }
                case GetAttr g -> MemberAccess.attribute(eval(g.object(), s), g.attribute());
                case GetItem g -> MemberAccess.item(eval(g.object(), s), eval(g.key(), s));
                case Slice sl -> MemberAccess.slice(eval(sl.object(), s), optional(sl.start(), s), optional(sl.stop(), s), optional(sl.step(), s));
                case Call c -> {
                    Object callee = eval(c.callee(), s);
                    List<Object> args = new ArrayList<>();
                    Map<String, Object> kwargs = new LinkedHashMap<>();
                    evalArgs(c.args(), s, args, kwargs);
                    yield call(callee, args, kwargs, c.pos());
                }
                case Filter f -> filter(f.filter(), eval(f.operand(), s), s);
                case Test t -> {
                    Object v = eval(t.operand(), s);
                    List<Object> args = new ArrayList<>();
                    Map<String, Object> kwargs = new LinkedHashMap<>();
                    evalArgs(t.args(), s, args, kwargs);
                    yield Tests.apply(this, t.name(), v, args) != t.negate();
                }
                case Unary u -> unary(u.op(), eval(u.operand(), s));
                case Binary b -> switch (b.op()) {
                    case "and" -> {
                        Object l = eval(b.left(), s);
                        yield Values.truthy(l) ? eval(b.right(), s) : l;
                    }
                    case "or" -> {
                        Object l = eval(b.left(), s);
                        yield Values.truthy(l) ? l : eval(b.right(), s);
                    }
                    default -> Operators.binary(b.op(), eval(b.left(), s), eval(b.right(), s), this);
                };
                case Compare c -> {
                    Object left = eval(c.first(), s);
                    for (int i = 0; i < c.ops().size(); i++) {
                        Object right = eval(c.rest().get(i), s);
                        if (!Operators.compare(c.ops().get(i), left, right)) yield false;
                        left = right;
                    }
                    yield true;
                }
                case CondExpr c -> {
                    if (Values.truthy(eval(c.test(), s))) yield eval(c.then(), s);
                    yield c.otherwise() == null ? new Undefined("the condition of an inline if was false and there is no else") : eval(c.otherwise(), s);
                }
            };
        } catch (TemplateException ex) {
            throw ex.at(e.pos());
        } catch (ArithmeticException ex) {
            throw new TemplateException(e.pos().line(), e.pos().column(), "integer overflow");
        } finally {
            budget.leave();
        }
    }

    private Object optional(Expr e, Scope s) {
        return e == null ? null : eval(e, s);
    }

    private static Object dictKey(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double) return k;
        throw new TemplateException("unhashable dict key of type '" + Values.typeName(k) + "'");
    }

    private void evalArgs(List<Arg> args, Scope s, List<Object> positional, Map<String, Object> kwargs) {
        for (Arg a : args) {
            Object v = eval(a.value(), s);
            if (a.name() == null) positional.add(v);
            else if (kwargs.put(a.name(), v) != null) throw new TemplateException("keyword argument '" + a.name() + "' given twice");
        }
    }

    private static Object unary(String op, Object v) {
        if (op.equals("not")) return !Values.truthy(v);
        if (v instanceof Undefined u) throw new TemplateException(u.hint());
        if (!Values.isNumber(v)) throw new TemplateException("bad operand type for unary " + op + ": '" + Values.typeName(v) + "'");
        if (op.equals("+")) return v instanceof Boolean ? (Object) Values.asLong(v) : v;
        if (v instanceof Double d) return -d;
        return Math.negateExact(Values.asLong(v));
    }

    Object filter(FilterCall fc, Object value, Scope s) {
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        evalArgs(fc.args(), s, args, kwargs);
        try {
            return Filters.apply(this, fc.name(), value, args, kwargs);
        } catch (TemplateException e) {
            throw e.at(fc.pos());
        }
    }

    Object call(Object callee, List<Object> args, Map<String, Object> kwargs, Pos pos) {
        return switch (callee) {
            case Builtin b -> b.impl().call(this, pos, args, kwargs);
            case Macro m -> callMacro(m, args, kwargs, null);
            case Undefined u -> throw new TemplateException(u.hint() + ", so it cannot be called");
            default -> throw new TemplateException("'" + Values.typeName(callee) + "' object is not callable");
        };
    }

    private String callMacro(Macro m, List<Object> args, Map<String, Object> kwargs, Macro caller) {
        budget.enterMacro();
        try {
            Scope ms = new Scope(m.closure());
            Map<String, Object> rest = new LinkedHashMap<>(kwargs);
            List<Param> pending = new ArrayList<>();
            for (int i = 0; i < m.params().size(); i++) {
                Param p = m.params().get(i);
                if (i < args.size()) {
                    if (rest.containsKey(p.name())) throw new TemplateException("macro '" + m.name() + "' got multiple values for argument '" + p.name() + "'");
                    ms.vars.put(p.name(), args.get(i));
                } else if (rest.containsKey(p.name())) {
                    ms.vars.put(p.name(), rest.remove(p.name()));
                } else {
                    ms.vars.put(p.name(), Undefined.named(p.name()));
                    if (p.defaultValue() != null) pending.add(p);
                }
            }
            ms.vars.put("varargs", args.size() > m.params().size() ? new ArrayList<>(args.subList(m.params().size(), args.size())) : new ArrayList<>());
            ms.vars.put("kwargs", new LinkedHashMap<Object, Object>(rest));
            if (caller != null) ms.vars.put("caller", caller);
            for (Param p : pending) ms.vars.put(p.name(), eval(p.defaultValue(), ms));
            Values.Sink out = sink();
            exec(m.body(), ms, out);
            return out.toString();
        } finally {
            budget.leaveMacro();
        }
    }

    // ---- budgets: built-ins charge their work here ----

    void tick() {
        budget.tick();
    }

    /** Lets built-ins doing long work (sorting, building big strings) charge it to the loop budget. */
    void charge(long iterations) {
        budget.charge(iterations);
    }
}
