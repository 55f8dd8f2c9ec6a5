package dev.bgl.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the header of a GGUF v2/v3 file from a mapped segment. Every count, length and offset is
 * checked against the bytes that are really there before anything is allocated, so a small file
 * claiming a huge table fails at once with a message naming the field.
 */
final class GgufParser {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** No real model has more dimensions or a deeper metadata nesting than this. */
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_DEPTH = 8;
    static final long MAX_STRING = 1L << 30;
    /**
     * Longest metadata array. Real ones (vocabularies, merges) hold at most a few hundred thousand;
     * the cap matters because an element takes more heap than file (a 1-byte UINT8 becomes an 8-byte
     * long), so the file-size check alone would let a big file claim gigabytes of heap.
     */
    static final long MAX_ARRAY = 1L << 24;

    record Parsed(int version, Map<String, GgufValue> metadata, Map<String, GgufTensorInfo> tensors,
                  long dataOffset, int alignment) {
    }

    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    private String where = "header";

    GgufParser(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    private FormatException error(String problem) {
        return new FormatException(path, problem);
    }

    private void need(long n) {
        if (n < 0 || pos + n > size || pos + n < 0)
            throw error("truncated file: " + where + " needs " + n + " bytes at offset " + pos + " but the file has " + size);
    }

    private int u8() {
        need(1);
        return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xff;
    }

    private int i32() {
        need(4);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    private long i64() {
        need(8);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    /** A count that must be non-negative and fit in what is left of the file at {@code minBytesEach} per item. */
    private long count(String what, long minBytesEach) {
        long n = i64();
        long left = size - pos;
        if (n < 0 || (minBytesEach > 0 && n > left / minBytesEach))
            throw error(what + " is " + Long.toUnsignedString(n) + ": that many entries need at least " + minBytesEach + (minBytesEach == 1 ? " byte" : " bytes") + " each, but only "
                    + left + " bytes are left in the file (the file is cut short or the count is corrupt)");
        return n;
    }

    private String string() {
        long len = i64();
        if (len < 0 || len > MAX_STRING) throw error("string length " + Long.toUnsignedString(len) + " is not sane in " + where);
        need(len);
        byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    Parsed parse() {
        if (size < 4) throw error("not a GGUF file (only " + size + " bytes)");
        int magic = i32();
        if (magic != GgufFile.MAGIC) {
            throw error("not a GGUF file (magic 0x" + Integer.toHexString(magic) + ", expected 'GGUF')");
        }
        int version = i32();
        if (version != 2 && version != 3) throw error("unsupported GGUF version " + version + " (bgl reads versions 2 and 3)");
        where = "tensor count";
        long nTensors = count("tensor count", 24);
        where = "metadata count";
        long nKv = count("metadata count", 12);

        Map<String, GgufValue> meta = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            where = "metadata entry " + i;
            String key = string();
            where = "metadata '" + key + "'";
            int typeId = i32();
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) throw error("metadata '" + key + "' has unknown value type " + typeId);
            Object v = value(type, 0);
            if (meta.put(key, new GgufValue(type, v)) != null) throw error("duplicate metadata key '" + key + "'");
        }

        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        GgufValue al = meta.get("general.alignment");
        if (al != null) {
            if (!(al.value() instanceof Long a) || a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1)
                throw error("general.alignment must be a power of two, got " + al.value());
            alignment = (int) (long) a;
        }

        Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
        for (long i = 0; i < nTensors; i++) {
            where = "tensor info " + i;
            String name = string();
            where = "tensor '" + name + "'";
            int nDims = i32();
            if (nDims < 1 || nDims > MAX_DIMS) throw error("tensor '" + name + "' has " + nDims + " dimensions (1.." + MAX_DIMS + " allowed)");
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                dims[d] = i64();
                if (dims[d] <= 0) throw error("tensor '" + name + "' has dimension " + d + " = " + dims[d]);
                try {
                    elements = Math.multiplyExact(elements, dims[d]);
                } catch (ArithmeticException e) {
                    throw error("tensor '" + name + "' has too many elements");
                }
            }
            int typeId = i32();
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw error("tensor '" + name + "' has unknown tensor type id " + typeId);
            if (dims[0] % type.blockSize != 0)
                throw error("tensor '" + name + "' row length " + dims[0] + " is not a multiple of " + type + "'s block size " + type.blockSize);
            long offset = i64();
            if (offset < 0 || offset % alignment != 0)
                throw error("tensor '" + name + "' data offset " + offset + " is not aligned to " + alignment);
            if (tensors.put(name, new GgufTensorInfo(name, dims, type, offset)) != null)
                throw error("duplicate tensor '" + name + "'");
        }
        long dataOffset = (pos + alignment - 1) / alignment * alignment;
        if (nTensors > 0 && dataOffset > size) throw error("truncated file: tensor data would start at " + dataOffset + " but the file has " + size + " bytes");
        for (GgufTensorInfo t : tensors.values()) {
            long end;
            try {
                end = Math.addExact(Math.addExact(dataOffset, t.offset()), t.byteSize());
            } catch (ArithmeticException e) {
                throw error("tensor '" + t.name() + "' is too large");
            }
            if (end > size)
                throw error("truncated file: tensor '" + t.name() + "' lies beyond the end of the file: its " + t.byteSize() + " bytes at data offset "
                        + t.offset() + " (byte " + Math.addExact(dataOffset, t.offset()) + " of the file) end at byte " + end
                        + ", but the file has " + size + " bytes (cut short, or a corrupt offset)");
        }
        return new Parsed(version, meta, tensors, dataOffset, alignment);
    }

    private Object value(GgufValueType type, int depth) {
        return switch (type) {
            case UINT8 -> (long) u8();
            case INT8 -> (long) (byte) u8();
            case UINT16 -> {
                need(2);
                long v = seg.get(I16, pos) & 0xffff;
                pos += 2;
                yield v;
            }
            case INT16 -> {
                need(2);
                long v = seg.get(I16, pos);
                pos += 2;
                yield v;
            }
            case UINT32 -> i32() & 0xffffffffL;
            case INT32 -> (long) i32();
            case UINT64, INT64 -> i64();
            case FLOAT32 -> {
                need(4);
                float f = seg.get(F32, pos);
                pos += 4;
                yield f;
            }
            case FLOAT64 -> {
                need(8);
                double d = seg.get(F64, pos);
                pos += 8;
                yield d;
            }
            case BOOL -> {
                int b = u8();
                if (b > 1) throw error(where + " has bool value " + b);
                yield b == 1;
            }
            case STRING -> string();
            case ARRAY -> array(depth + 1);
        };
    }

    private GgufValue.GgufArray array(int depth) {
        if (depth > MAX_ARRAY_DEPTH) throw error(where + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
        int typeId = i32();
        GgufValueType et = GgufValueType.byId(typeId);
        if (et == null) throw error(where + " has an array of unknown type " + typeId);
        long minEach = et.size > 0 ? et.size : (et == GgufValueType.STRING ? 8 : 12);
        long n = count(where + " array length", minEach);
        if (n > MAX_ARRAY) throw error(where + " array has " + n + " elements, more than the limit of " + MAX_ARRAY);
        int len = (int) n;
        Object values;
        switch (et) {
            case FLOAT32 -> {
                need(4L * len);
                float[] a = seg.asSlice(pos, 4L * len).toArray(F32);
                pos += 4L * len;
                values = a;
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = (Double) value(et, depth);
                values = a;
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = (Boolean) value(et, depth);
                values = a;
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = string();
                values = a;
            }
            case ARRAY -> {
                GgufValue.GgufArray[] a = new GgufValue.GgufArray[len];
                // gguf-py writes each nested element as (element type, count, values), without a leading ARRAY tag
                for (int i = 0; i < len; i++) a[i] = array(depth + 1);
                values = a;
            }
            default -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = (Long) value(et, depth);
                values = a;
            }
        }
        return new GgufValue.GgufArray(et, values);
    }
}
