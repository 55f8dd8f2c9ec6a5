package dev.bgl.chat.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's tests ({@code x is defined}, {@code n is divisibleby 3}, ...), with Jinja2's (Python's) semantics. */
final class Tests {
    private Tests() {}

    static final Set<String> NAMES = Set.of(
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
        "mapping", "iterable", "sequence", "callable", "odd", "even", "divisibleby", "equalto", "eq", "==",
        "ne", "!=", "lt", "<", "lessthan", "le", "<=", "gt", ">", "greaterthan", "ge", ">=", "in", "sameas",
        "lower", "upper", "escaped", "filter", "test");

    static boolean apply(Interpreter in, String name, Object v, List<Object> args) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "false" -> Boolean.FALSE.equals(v);
            case "true" -> Boolean.TRUE.equals(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "number" -> Values.isNumber(v);
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map;
            case "iterable" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "sequence" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "callable" -> v instanceof Callable;
            case "odd", "even" -> {
                if (!(v instanceof Long || v instanceof Boolean)) throw new TemplateException("test '" + name + "' needs an integer, got " + Values.typeName(v));
                yield (Math.floorMod(Values.asLong(v), 2) == 1) == name.equals("odd");
            }
            case "divisibleby" -> {
                Object d = arg(name, args);
                if (!Values.isNumber(v) || !Values.isNumber(d)) throw new TemplateException("test 'divisibleby' needs numbers");
                if (Values.asDouble(d) == 0) throw new TemplateException("integer modulo by zero");
                yield (v instanceof Double || d instanceof Double)
                    ? Values.asDouble(v) % Values.asDouble(d) == 0
                    : Values.asLong(v) % Values.asLong(d) == 0;
            }
            case "equalto", "eq", "==" -> Values.equal(v, arg(name, args));
            case "ne", "!=" -> !Values.equal(v, arg(name, args));
            case "lt", "<", "lessthan" -> Operators.compare("<", v, arg(name, args));
            case "le", "<=" -> Operators.compare("<=", v, arg(name, args));
            case "gt", ">", "greaterthan" -> Operators.compare(">", v, arg(name, args));
            case "ge", ">=" -> Operators.compare(">=", v, arg(name, args));
            case "in" -> Values.contains(arg(name, args), v);
            case "sameas" -> {
                Object o = arg(name, args);
                yield v == o || (v instanceof Boolean || v == null || o == null) && Values.equal(v, o) && sameType(v, o);
            }
            case "lower" -> v instanceof String s && s.codePoints().anyMatch(Character::isLowerCase) && s.equals(s.toLowerCase(java.util.Locale.ROOT));
            case "upper" -> v instanceof String s && s.codePoints().anyMatch(Character::isUpperCase) && s.equals(s.toUpperCase(java.util.Locale.ROOT));
            case "escaped" -> false;
            case "filter" -> v instanceof String s && Filters.NAMES.contains(s);
            case "test" -> v instanceof String s && NAMES.contains(s);
            default -> throw new TemplateException("no test named '" + name + "'");
        };
    }

    private static boolean sameType(Object a, Object b) {
        return a == null ? b == null : b != null && a.getClass() == b.getClass();
    }

    private static Object arg(String name, List<Object> args) {
        if (args.size() != 1) throw new TemplateException("test '" + name + "' takes 1 argument (" + args.size() + " given)");
        return args.getFirst();
    }
}
