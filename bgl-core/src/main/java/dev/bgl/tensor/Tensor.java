package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix of {@code rows} rows of {@code cols} elements, stored row-major in ggml's block
 * layout for its {@link GgmlType}. The data is usually a slice of a memory-mapped model file; a
 * vector is a matrix with one row.
 */
public record Tensor(String name, GgmlType type, MemorySegment data, int rows, int cols, PackedRows packed) {

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        TypeKernel.of(type); // fails clearly for types the engine cannot compute with
        if (cols % type.blockSize != 0)
            throw new IllegalArgumentException("tensor '" + name + "': row length " + cols + " is not a multiple of " + type + " block size " + type.blockSize);
        long need = type.bytesFor((long) rows * cols);
        if (data.byteSize() != need)
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " bytes for " + rows + "x" + cols + " " + type + ", expected " + need);
        if (packed != null && (packed.type() != type || packed.rows() != rows || packed.cols() != cols))
            throw new IllegalArgumentException("tensor '" + name + "': packed rows do not match the tensor");
    }

    /** A tensor as stored, without a packed copy. */
    public Tensor(String name, GgmlType type, MemorySegment data, int rows, int cols) {
        this(name, type, data, rows, cols, null);
    }

    /**
     * This tensor with a {@link PackedRows} copy for matrix products when its type and shape allow
     * and its packed kernels compute it exactly (otherwise itself). Releases the source pages from
     * memory: products then read the copy.
     */
    public Tensor packedForProducts() {
        PackedRows p = packed == null && PackedRows.packable(this) ? PackedRows.pack(this) : null;
        return p != null ? new Tensor(name, type, data, rows, cols, p) : this;
    }

    public TypeKernel kernel() {
        return TypeKernel.of(type);
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.bytesFor(cols);
    }

    public long elements() {
        return (long) rows * cols;
    }

    /** Dequantises row {@code r} into {@code out[0..cols)}. */
    public void row(int r, float[] out) {
        kernel().dequantize(data, (long) r * rowBytes(), out, 0, cols);
    }

    /** All elements as floats (row-major); for small tensors (norm weights, biases) and tests. */
    public float[] toFloats() {
        float[] out = new float[Math.toIntExact(elements())];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            row(r, row);
            System.arraycopy(row, 0, out, r * cols, cols);
        }
        return out;
    }

    /** Quantises {@code values} (rows × cols, row-major) into a new heap tensor of {@code type}. */
    public static Tensor quantize(String name, GgmlType type, float[] values, int rows, int cols) {
        TypeKernel k = TypeKernel.of(type);
        long rowBytes = type.bytesFor(cols);
        MemorySegment seg = Arena.ofAuto().allocate(rowBytes * rows, 16);
        for (int r = 0; r < rows; r++) k.quantize(values, r * cols, cols, seg, r * rowBytes);
        return new Tensor(name, type, seg, rows, cols);
    }
}
