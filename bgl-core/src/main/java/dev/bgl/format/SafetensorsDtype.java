package dev.bgl.format;

/**
 * The element types a safetensors header may name (the byte-sized ones of the safetensors spec),
 * with their size. Only F32, F16 and BF16 map to a {@link GgmlType} the engine computes with; the
 * others are known so that a file holding them (an int64 buffer, say) is read and reported clearly
 * instead of rejected as corrupt.
 */
public enum SafetensorsDtype {
    BOOL(1, null),
    U8(1, null),
    I8(1, null),
    F8_E5M2(1, null),
    F8_E4M3(1, null),
    I16(2, null),
    U16(2, null),
    F16(2, GgmlType.F16),
    BF16(2, GgmlType.BF16),
    I32(4, null),
    U32(4, null),
    F32(4, GgmlType.F32),
    F64(8, null),
    I64(8, null),
    U64(8, null);

    /** Bytes per element. */
    public final int size;
    /** The matching ggml type, or null when the engine has none. */
    public final GgmlType ggml;

    SafetensorsDtype(int size, GgmlType ggml) {
        this.size = size;
        this.ggml = ggml;
    }

    /** The dtype spelled exactly as in a header ("F32", "BF16", ...), or null when unknown. */
    public static SafetensorsDtype byName(String name) {
        for (SafetensorsDtype d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    /** The dtype that stores a ggml type unchanged, or null (quantised types have none). */
    public static SafetensorsDtype of(GgmlType type) {
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            default -> null;
        };
    }
}
