package dev.bgl.chat.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python's arithmetic and comparison operators over template values, with every result size bounded. */
final class Operators {
    private Operators() {}

    static boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> Values.equal(a, b);
            case "!=" -> !Values.equal(a, b);
            case "in" -> Values.contains(b, a);
            case "not in" -> !Values.contains(b, a);
            default -> {
                undefinedCheck(a);
                undefinedCheck(b);
                int c = Values.compare(a, b);
                yield switch (op) {
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    case ">=" -> c >= 0;
                    default -> throw new IllegalStateException(op);
                };
            }
        };
    }

    static Object binary(String op, Object a, Object b, Interpreter in) {
        int max = in.limits.maxOutputChars();
        if (op.equals("~")) return concat(in.str(a), in.str(b), max);
        undefinedCheck(a);
        undefinedCheck(b);
        boolean nums = Values.isNumber(a) && Values.isNumber(b);
        boolean floats = nums && (a instanceof Double || b instanceof Double);
        switch (op) {
            case "+" -> {
                if (floats) return Values.asDouble(a) + Values.asDouble(b);
                if (nums) return Math.addExact(Values.asLong(a), Values.asLong(b));
                if (a instanceof String s && b instanceof String t) return concat(s, t, max);
                if (a instanceof List<?> x && b instanceof List<?> y) {
                    checkSize((long) x.size() + y.size(), max);
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return out;
                }
            }
            case "-" -> {
                if (floats) return Values.asDouble(a) - Values.asDouble(b);
                if (nums) return Math.subtractExact(Values.asLong(a), Values.asLong(b));
            }
            case "*" -> {
                if (floats) return Values.asDouble(a) * Values.asDouble(b);
                if (nums) return Math.multiplyExact(Values.asLong(a), Values.asLong(b));
                if (isInt(b) && (a instanceof String || a instanceof List)) return repeat(a, Values.asLong(b), max, in);
                if (isInt(a) && (b instanceof String || b instanceof List)) return repeat(b, Values.asLong(a), max, in);
            }
            case "/" -> {
                if (nums) {
                    double d = Values.asDouble(b);
                    if (d == 0) throw new TemplateException("division by zero");
                    return Values.asDouble(a) / d;
                }
            }
            case "//" -> {
                if (floats) {
                    double d = Values.asDouble(b);
                    if (d == 0) throw new TemplateException("float floor division by zero");
                    return Math.floor(Values.asDouble(a) / d);
                }
                if (nums) {
                    long d = Values.asLong(b);
                    if (d == 0) throw new TemplateException("integer division by zero");
                    if (Values.asLong(a) == Long.MIN_VALUE && d == -1) throw new ArithmeticException("overflow");
                    return Math.floorDiv(Values.asLong(a), d);
                }
            }
            case "%" -> {
                if (floats) {
                    double x = Values.asDouble(a);
                    double d = Values.asDouble(b);
                    if (d == 0) throw new TemplateException("float modulo by zero");
                    double r = x % d;
                    return (r != 0 && ((r < 0) != (d < 0))) ? r + d : r;
                }
                if (nums) {
                    long d = Values.asLong(b);
                    if (d == 0) throw new TemplateException("integer modulo by zero");
                    return Math.floorMod(Values.asLong(a), d);
                }
            }
            case "**" -> {
                if (nums) return power(a, b);
            }
            default -> throw new IllegalStateException(op);
        }
        throw new TemplateException("unsupported operand type(s) for " + op + ": '" + Values.typeName(a) + "' and '" + Values.typeName(b) + "'");
    }

    private static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    private static Object power(Object a, Object b) {
        if (a instanceof Double || b instanceof Double || Values.asLong(b) < 0) {
            double x = Values.asDouble(a);
            double y = Values.asDouble(b);
            if (x == 0 && y < 0) throw new TemplateException("0.0 cannot be raised to a negative power");
            return Math.pow(x, y);
        }
        long base = Values.asLong(a);
        long exp = Values.asLong(b);
        long result = 1;
        while (exp > 0) { // square-and-multiply: at most 63 steps before overflow is detected
            if ((exp & 1) == 1) result = Math.multiplyExact(result, base);
            exp >>= 1;
            if (exp > 0) base = Math.multiplyExact(base, base);
        }
        return result;
    }

    private static Object repeat(Object seq, long times, int max, Interpreter in) {
        if (seq instanceof String s) {
            if (times <= 0 || s.isEmpty()) return "";
            if (s.length() * Math.min(times, Integer.MAX_VALUE) > max) throw TemplateException.limit("string exceeds " + max + " chars");
            return s.repeat((int) times);
        }
        List<?> l = (List<?>) seq;
        if (times <= 0 || l.isEmpty()) return new ArrayList<>();
        checkSize(l.size() * Math.min(times, Integer.MAX_VALUE), max);
        in.charge(l.size() * times / 16);
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) out.addAll(l);
        return out;
    }

    static String concat(String a, String b, int max) {
        if ((long) a.length() + b.length() > max) throw TemplateException.limit("string exceeds " + max + " chars");
        return a + b;
    }

    static void checkSize(long size, int max) {
        if (size > max) throw TemplateException.limit("string or list exceeds " + max + " chars or items");
    }

    private static void undefinedCheck(Object v) {
        if (v instanceof Undefined u) throw new TemplateException(u.hint());
    }
}
