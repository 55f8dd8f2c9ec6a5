package dev.bgl.format;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and checks the header of a safetensors file from a mapped segment. The header length is
 * checked against the file size and a cap before anything is allocated; then every entry is checked
 * (dtype known, shape non-negative, byte count matching the shape, offsets inside the buffer, no
 * overlap, no gap, no duplicate name) so that a tensor handed out is always a valid slice. The rules
 * are those of the reference implementation (huggingface/safetensors), which refuses the same files.
 */
final class SafetensorsParser {
    /** No real header comes near this; it bounds the heap copy of the header a corrupt file can cause. */
    static final long MAX_HEADER = 100_000_000L;
    static final int MAX_DIMS = 64;
    static final String METADATA_KEY = "__metadata__";

    /** Strict JSON: a repeated key is an error rather than silently "last one wins". */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Parsed(Map<String, SafetensorsTensorInfo> tensors, Map<String, String> metadata, long dataOffset) {
    }

    private final Path path;
    private final MemorySegment seg;

    SafetensorsParser(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
    }

    private FormatException error(String problem) {
        return new FormatException(path, problem);
    }

    Parsed parse() {
        long size = seg.byteSize();
        if (size < 8) throw error("truncated file: " + size + " bytes, too short for the 8-byte header length");
        long n = seg.get(U64, 0); // u64: a negative long is a length beyond any file
        if (n < 0 || n > size - 8)
            throw error("header length " + Long.toUnsignedString(n) + " is larger than the " + (size - 8) + " bytes after it (truncated or not a safetensors file)");
        if (n > MAX_HEADER) throw error("header length " + n + " exceeds the limit of " + MAX_HEADER + " bytes");
        if (n < 2) throw error("header length " + n + " is too short for a JSON object");
        byte[] header = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root = readJson(path, header, "header");
        long dataOffset = 8 + n;
        long dataSize = size - dataOffset;

        Map<String, SafetensorsTensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA_KEY)) metadata = metadata(e.getValue());
            else tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), dataSize));
        }
        checkLayout(tensors, dataSize);
        return new Parsed(Collections.unmodifiableMap(tensors), metadata, dataOffset);
    }

    private Map<String, String> metadata(JsonNode node) {
        if (!node.isObject()) throw error(METADATA_KEY + " is not a JSON object");
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw error(METADATA_KEY + " entry '" + e.getKey() + "' is not a string");
            m.put(e.getKey(), e.getValue().asText());
        }
        return Collections.unmodifiableMap(m);
    }

    private SafetensorsTensorInfo tensor(String name, JsonNode node, long dataSize) {
        String t = "tensor '" + name + "'";
        if (!node.isObject()) throw error(t + ": entry is not a JSON object");
        JsonNode dt = node.get("dtype");
        if (dt == null) throw error(t + ": missing 'dtype'");
        if (!dt.isTextual()) throw error(t + ": 'dtype' is not a string");
        SafetensorsDtype dtype = SafetensorsDtype.byName(dt.asText());
        if (dtype == null) throw error(t + ": unknown dtype '" + dt.asText() + "'");

        JsonNode sh = node.get("shape");
        if (sh == null) throw error(t + ": missing 'shape'");
        if (!sh.isArray()) throw error(t + ": 'shape' is not an array");
        if (sh.size() > MAX_DIMS) throw error(t + ": 'shape' has " + sh.size() + " dimensions, more than " + MAX_DIMS);
        long[] shape = new long[sh.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegative(sh.get(i), t + ": shape[" + i + "]");
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException x) {
                throw error(t + ": shape " + sh + " has too many elements");
            }
        }

        JsonNode off = node.get("data_offsets");
        if (off == null) throw error(t + ": missing 'data_offsets'");
        if (!off.isArray() || off.size() != 2) throw error(t + ": 'data_offsets' is not an array [begin, end]");
        long begin = nonNegative(off.get(0), t + ": data_offsets[0]");
        long end = nonNegative(off.get(1), t + ": data_offsets[1]");
        if (end < begin) throw error(t + ": data_offsets [" + begin + ", " + end + "] end before begin");
        if (end > dataSize)
            throw error(t + ": data_offsets [" + begin + ", " + end + "] run past the " + dataSize + "-byte data buffer");
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) dtype.size);
        } catch (ArithmeticException x) {
            throw error(t + ": shape " + sh + " has too many bytes");
        }
        if (bytes != end - begin)
            throw error(t + ": shape " + sh + " of " + dtype + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private long nonNegative(JsonNode v, String what) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong())
            throw error(what + " is " + v + ", not an integer");
        long x = v.asLong();
        if (x < 0) throw error(what + " is negative (" + x + ")");
        return x;
    }

    /** Tensors must tile the data buffer exactly: sorted by offset, each starts where the last ended. */
    private void checkLayout(Map<String, SafetensorsTensorInfo> tensors, long dataSize) {
        List<SafetensorsTensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(SafetensorsTensorInfo::begin).thenComparingLong(SafetensorsTensorInfo::end));
        long pos = 0;
        SafetensorsTensorInfo prev = null;
        for (SafetensorsTensorInfo t : sorted) {
            if (t.begin() < pos)
                throw error("tensors '" + prev.name() + "' " + range(prev) + " and '" + t.name() + "' " + range(t) + " overlap");
            if (t.begin() > pos)
                throw error("gap of " + (t.begin() - pos) + " bytes before tensor '" + t.name() + "' " + range(t) + " in the data buffer");
            pos = t.end();
            prev = t;
        }
        if (pos != dataSize)
            throw error((dataSize - pos) + " bytes in the data buffer after the last tensor (tensors cover " + pos + " of " + dataSize + ")");
    }

    private static String range(SafetensorsTensorInfo t) {
        return "[" + t.begin() + ", " + t.end() + ")";
    }

    /** Parses strict JSON that must be an object; {@code what} names it in errors ("header", "config.json"). */
    static JsonNode readJson(Path path, byte[] bytes, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new FormatException(path, what + " is not valid JSON: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            // bytes in memory: an IOException is a decoding error (Jackson sniffs UTF-16/32 and throws
            // CharConversionException on bytes that look like it), i.e. the JSON is bad
            throw new FormatException(path, what + " is not valid JSON: " + oneLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) throw new FormatException(path, what + " is not a JSON object");
        return root;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
