package dev.bgl.format;

import java.util.Arrays;

/**
 * One metadata value with its GGUF type. Scalars are held as {@code Long} (all integer types),
 * {@code Float}, {@code Double}, {@code Boolean} or {@code String}; arrays as {@link GgufArray}.
 * Keeping the declared type lets the writer reproduce a file exactly.
 */
public record GgufValue(GgufValueType type, Object value) {

    public static GgufValue of(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofU32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofI32(long v) {
        return new GgufValue(GgufValueType.INT32, v);
    }

    public static GgufValue ofU64(long v) {
        return new GgufValue(GgufValueType.UINT64, v);
    }

    public static GgufValue ofF32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray a) {
        return new GgufValue(GgufValueType.ARRAY, a);
    }

    @Override
    public String toString() {
        if (value instanceof GgufArray a) return a.toString();
        if (value instanceof String s) return s.length() > 80 ? '"' + s.substring(0, 77) + "...\"" : '"' + s + '"';
        return String.valueOf(value);
    }

    /**
     * A GGUF array. {@code values} is a {@code long[]} for integer element types, {@code float[]},
     * {@code double[]}, {@code boolean[]}, {@code String[]}, or {@code GgufArray[]} for nested arrays.
     */
    public record GgufArray(GgufValueType elementType, Object values) {
        public int length() {
            return switch (values) {
                case long[] a -> a.length;
                case float[] a -> a.length;
                case double[] a -> a.length;
                case boolean[] a -> a.length;
                case String[] a -> a.length;
                case GgufArray[] a -> a.length;
                default -> throw new IllegalStateException("bad array payload " + values.getClass());
            };
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof GgufArray(GgufValueType t, Object v)) || t != elementType) return false;
            return Arrays.deepEquals(new Object[]{values}, new Object[]{v});
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(new Object[]{values}) * 31 + elementType.hashCode();
        }

        @Override
        public String toString() {
            return "[" + elementType + " x " + length() + "]";
        }
    }
}
