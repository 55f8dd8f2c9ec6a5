package dev.bgl.chat.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Jinja2's number filters ({@code int}, {@code float}, {@code round}) with Python's conversion
 * rules: what Python's int() and float() accept from a string, round() on the exact binary value.
 */
final class NumberFilters {
    private NumberFilters() {}

    static Object toInt(Object v, Object def) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1L : 0L;
            case Double d -> d.isNaN() || d.isInfinite() ? def : (Object) (long) (double) d;
            case String s -> {
                String t = s.strip().replace("_", "");
                try {
                    yield Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
                } catch (NumberFormatException e) {
                    try {
                        double d = Double.parseDouble(t);
                        yield Double.isFinite(d) ? (Object) (long) d : def;
                    } catch (NumberFormatException e2) {
                        yield def;
                    }
                }
            }
            case null, default -> def;
        };
    }

    static Object toFloat(Object v, Object def) {
        return switch (v) {
            case Double d -> d;
            case Long l -> (double) l;
            case Boolean b -> b ? 1.0 : 0.0;
            case String s -> {
                String t = s.strip().toLowerCase(Locale.ROOT);
                try {
                    yield switch (t) {
                        case "inf", "+inf", "infinity" -> Double.POSITIVE_INFINITY;
                        case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
                        case "nan" -> Double.NaN;
                        default -> {
                            if (t.endsWith("d") || t.endsWith("f") || t.startsWith("0x")) throw new NumberFormatException();
                            yield Double.parseDouble(t);
                        }
                    };
                } catch (NumberFormatException e) {
                    yield def;
                }
            }
            case null, default -> def;
        };
    }

    static Object round(Object v, long precision, String method) {
        if (!Values.isNumber(v)) throw new TemplateException("round: expected a number, got " + Values.typeName(v));
        if (precision < -300 || precision > 300) throw new TemplateException("round: precision out of range");
        if (v instanceof Double d && (d.isNaN() || d.isInfinite())) return d;
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw new TemplateException("round: method must be 'common', 'ceil' or 'floor'");
        };
        if (method.equals("common") && !(v instanceof Double)) return Values.asLong(v); // Python round(int) is the int
        double d = Values.asDouble(v);
        // Python's round() works on the exact binary value, which BigDecimal(double) is.
        return new BigDecimal(d).setScale((int) precision, mode).doubleValue();
    }
}
