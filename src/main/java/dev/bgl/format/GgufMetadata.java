package dev.bgl.format;

import java.nio.file.Path;
import java.util.Map;

/**
 * Typed, checked access to GGUF metadata. A missing key or a value of the wrong type is an error
 * that names the file and the key.
 */
public record GgufMetadata(Path file, Map<String, GgufValue> values) {

    public boolean has(String key) {
        return values.containsKey(key);
    }

    private GgufValue need(String key) {
        GgufValue v = values.get(key);
        if (v == null) throw new FormatException(file, "missing metadata '" + key + "'");
        return v;
    }

    private FormatException wrong(String key, String expected, GgufValue v) {
        return new FormatException(file, "metadata '" + key + "' should be " + expected + " but is " + v.type() + " " + v);
    }

    public String string(String key) {
        GgufValue v = need(key);
        if (v.value() instanceof String s) return s;
        throw wrong(key, "a string", v);
    }

    public String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    public long integer(String key) {
        GgufValue v = need(key);
        if (v.value() instanceof Long l) return l;
        throw wrong(key, "an integer", v);
    }

    public long integer(String key, long fallback) {
        return has(key) ? integer(key) : fallback;
    }

    /** An integer that must lie in [min, max]; used for sizes read from untrusted files. */
    public int intIn(String key, long min, long max) {
        long v = integer(key);
        if (v < min || v > max) throw new FormatException(file, "metadata '" + key + "' = " + v + " is out of range [" + min + ", " + max + "]");
        return (int) v;
    }

    public int intIn(String key, long min, long max, int fallback) {
        return has(key) ? intIn(key, min, max) : fallback;
    }

    public double real(String key) {
        GgufValue v = need(key);
        return switch (v.value()) {
            case Float f -> f;
            case Double d -> d;
            case Long l -> l;
            default -> throw wrong(key, "a number", v);
        };
    }

    public double real(String key, double fallback) {
        return has(key) ? real(key) : fallback;
    }

    public boolean bool(String key, boolean fallback) {
        if (!has(key)) return fallback;
        GgufValue v = need(key);
        if (v.value() instanceof Boolean b) return b;
        throw wrong(key, "a bool", v);
    }

    private GgufValue.GgufArray array(String key) {
        GgufValue v = need(key);
        if (v.value() instanceof GgufValue.GgufArray a) return a;
        throw wrong(key, "an array", v);
    }

    public String[] strings(String key) {
        GgufValue.GgufArray a = array(key);
        if (a.values() instanceof String[] s) return s;
        throw wrong(key, "an array of strings", need(key));
    }

    public float[] floats(String key) {
        GgufValue.GgufArray a = array(key);
        if (a.values() instanceof float[] f) return f;
        throw wrong(key, "an array of float32", need(key));
    }

    public long[] integers(String key) {
        GgufValue.GgufArray a = array(key);
        if (a.values() instanceof long[] l) return l;
        throw wrong(key, "an array of integers", need(key));
    }
}
