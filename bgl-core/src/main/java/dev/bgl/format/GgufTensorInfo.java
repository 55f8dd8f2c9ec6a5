package dev.bgl.format;

import java.util.Arrays;

/**
 * A tensor's entry in a GGUF file. {@code dims} are in GGUF (ggml) order: {@code dims[0]} is the
 * innermost, contiguous dimension (the row length of a matrix), the reverse of PyTorch's order.
 * {@code offset} is relative to the start of the tensor data section.
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset) {

    public long elements() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return type.bytesFor(elements());
    }

    /** Row length (innermost dimension). */
    public long cols() {
        return dims.length == 0 ? 1 : dims[0];
    }

    /** Number of rows: the product of all dimensions but the innermost. */
    public long rows() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) n *= dims[i];
        return n;
    }

    public String shape() {
        return Arrays.toString(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && Arrays.equals(t.dims, dims)
                && t.type == type && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shape();
    }
}
