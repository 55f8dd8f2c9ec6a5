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

    /** The value of {@code key} as a {@code type}, or an error saying it should be {@code expected}. */
    private <T> T typed(String key, Class<T> type, String expected) {
        GgufValue v = need(key);
        if (type.isInstance(v.value())) return type.cast(v.value());
        throw wrong(key, expected, v);
    }

    /** The elements of the array {@code key} as a {@code type} (long[], float[], String[]...), or an error. */
    private <T> T elements(String key, Class<T> type, String expected) {
        GgufValue.GgufArray a = typed(key, GgufValue.GgufArray.class, "an array");
        if (type.isInstance(a.values())) return type.cast(a.values());
        throw wrong(key, expected, need(key));
    }

    public String string(String key) {
        return typed(key, String.class, "a string");
    }

    public String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    public long integer(String key) {
        return typed(key, Long.class, "an integer");
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
        return has(key) ? typed(key, Boolean.class, "a bool") : fallback;
    }

    public String[] strings(String key) {
        return elements(key, String[].class, "an array of strings");
    }

    public float[] floats(String key) {
        return elements(key, float[].class, "an array of float32");
    }

    public long[] integers(String key) {
        return elements(key, long[].class, "an array of integers");
    }
}
