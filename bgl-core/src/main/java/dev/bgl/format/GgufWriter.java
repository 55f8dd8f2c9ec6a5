package dev.bgl.format;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files: metadata in insertion order, then the tensor table, then the aligned tensor
 * data. Used by bgl's own tools (make-model, train-model). The file appears atomically: it is
 * written beside the target and moved into place, so a killed writer leaves no half file behind.
 */
public final class GgufWriter {

    /** Tensor bytes are produced when the file is written, so that large models need not sit on the heap twice. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Pending(String name, long[] dims, GgmlType type, TensorBytes bytes) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;
    private java.util.function.LongConsumer progress;

    /** Total bytes of tensor data the file will hold. */
    public long tensorBytes() {
        long n = 0;
        for (Pending t : tensors) n += new GgufTensorInfo(t.name, t.dims, t.type, 0).byteSize();
        return n;
    }

    public GgufWriter put(String key, GgufValue value) {
        if (key.equals("general.alignment")) alignment = (int) (long) (Long) value.value();
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(Map<String, GgufValue> values) {
        values.forEach(this::put);
        return this;
    }

    public GgufWriter put(String key, String value) {
        return put(key, GgufValue.of(value));
    }

    public GgufWriter putU32(String key, long value) {
        return put(key, GgufValue.ofU32(value));
    }

    public GgufWriter putF32(String key, float value) {
        return put(key, GgufValue.ofF32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.ofBool(value));
    }

    public GgufWriter putStrings(String key, String[] values) {
        return put(key, GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, values)));
    }

    public GgufWriter putFloats(String key, float[] values) {
        return put(key, GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.FLOAT32, values)));
    }

    public GgufWriter putInts(String key, long[] values) {
        return put(key, GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT32, values)));
    }

    /** Adds a tensor; {@code dims} in GGUF order (innermost first). */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, TensorBytes bytes) {
        tensors.add(new Pending(name, dims.clone(), type, bytes));
        return this;
    }

    public GgufWriter tensor(String name, GgmlType type, long[] dims, byte[] data) {
        long expected = new GgufTensorInfo(name, dims, type, 0).byteSize();
        if (data.length != expected)
            throw new IllegalArgumentException("tensor " + name + ": " + data.length + " bytes given, " + expected + " expected");
        return tensor(name, type, dims, out -> out.write(data));
    }

    public GgufWriter tensor(String name, GgmlType type, long[] dims, MemorySegment data) {
        return tensor(name, type, dims, out -> {
            byte[] chunk = new byte[1 << 20];
            for (long off = 0; off < data.byteSize(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, data.byteSize() - off);
                MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, off, chunk, 0, n);
                out.write(chunk, 0, n);
            }
        });
    }

    public void write(Path path) throws IOException {
        write(path, null);
    }

    /** Writes the file, reporting the tensor bytes written so far to {@code progress} (may be null). */
    public void write(Path path, java.util.function.LongConsumer progress) throws IOException {
        this.progress = progress;
        AtomicFile.write(path, out -> writeTo(new CountingStream(out)));
    }

    private void writeTo(CountingStream out) throws IOException {
        out.i32(GgufFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (var e : metadata.entrySet()) {
            out.string(e.getKey());
            out.i32(e.getValue().type().id());
            writeValue(out, e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (Pending t : tensors) {
            out.string(t.name);
            out.i32(t.dims.length);
            for (long d : t.dims) out.i64(d);
            out.i32(t.type.id);
            out.i64(offset);
            offsets.add(offset);
            long size = new GgufTensorInfo(t.name, t.dims, t.type, 0).byteSize();
            offset = align(offset + size);
        }
        out.pad(align(out.count) - out.count);
        long dataStart = out.count;
        for (int i = 0; i < tensors.size(); i++) {
            Pending t = tensors.get(i);
            long before = out.count;
            t.bytes.writeTo(out);
            long size = new GgufTensorInfo(t.name, t.dims, t.type, 0).byteSize();
            if (out.count - before != size)
                throw new IllegalStateException("tensor " + t.name + " wrote " + (out.count - before) + " bytes, expected " + size);
            if (i + 1 < tensors.size()) out.pad(dataStart + offsets.get(i + 1) - out.count);
            if (progress != null) progress.accept(out.count - dataStart);
        }
    }

    private long align(long v) {
        return (v + alignment - 1) / alignment * alignment;
    }

    private static void writeValue(CountingStream out, GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8, BOOL -> out.write(v instanceof Boolean b ? (b ? 1 : 0) : (int) (long) (Long) v);
            case UINT16, INT16 -> out.i16((int) (long) (Long) v);
            case UINT32, INT32 -> out.i32((int) (long) (Long) v);
            case UINT64, INT64 -> out.i64((Long) v);
            case FLOAT32 -> out.i32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits((Double) v));
            case STRING -> out.string((String) v);
            case ARRAY -> writeArray(out, (GgufValue.GgufArray) v);
        }
    }

    private static void writeArray(CountingStream out, GgufValue.GgufArray a) throws IOException {
        out.i32(a.elementType().id());
        out.i64(a.length());
        switch (a.values()) {
            case long[] l -> {
                for (long x : l) writeValue(out, a.elementType(), x);
            }
            case float[] f -> {
                ByteBuffer bb = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(f);
                out.write(bb.array());
            }
            case double[] d -> {
                for (double x : d) out.i64(Double.doubleToRawLongBits(x));
            }
            case boolean[] b -> {
                for (boolean x : b) out.write(x ? 1 : 0);
            }
            case String[] s -> {
                for (String x : s) out.string(x);
            }
            case GgufValue.GgufArray[] n -> {
                for (GgufValue.GgufArray x : n) writeArray(out, x);
            }
            default -> throw new IllegalArgumentException("bad array payload");
        }
    }

    /** GGUF's little-endian numbers and strings, counted for the alignment padding. */
    private static final class CountingStream extends CountingOutputStream {
        private final byte[] buf = new byte[8];

        CountingStream(OutputStream out) {
            super(out);
        }

        void i16(int v) throws IOException {
            buf[0] = (byte) v;
            buf[1] = (byte) (v >> 8);
            write(buf, 0, 2);
        }

        void i32(int v) throws IOException {
            for (int i = 0; i < 4; i++) buf[i] = (byte) (v >> (8 * i));
            write(buf, 0, 4);
        }

        void i64(long v) throws IOException {
            for (int i = 0; i < 8; i++) buf[i] = (byte) (v >> (8 * i));
            write(buf, 0, 8);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b, 0, b.length);
        }

        void pad(long n) throws IOException {
            for (long i = 0; i < n; i++) write(0);
        }
    }
}
