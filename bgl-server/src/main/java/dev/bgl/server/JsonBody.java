package dev.bgl.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * Request bodies as JSON trees, read under explicit limits (Jackson's defaults may change between
 * versions; these do not): nesting depth, string, number and field-name lengths, no duplicate
 * keys, nothing after the value, and no lone UTF-16 surrogates anywhere (they cannot be written
 * back as UTF-8, so an error message quoting one would fail). Every problem is a 400.
 */
public final class JsonBody {
    /** A request nests three levels (body, messages, parts); 32 leaves room for clients' extra fields. */
    public static final int MAX_DEPTH = 32;
    /** A number longer than this is no number a client means (2^63 has 19 digits, 1e400 has 5 characters). */
    public static final int MAX_NUMBER_CHARS = 64;
    public static final int MAX_NAME_CHARS = 256;

    private final ObjectMapper json;

    /** @param maxBytes the largest body; also the longest string (a string cannot be longer than its body) */
    public JsonBody(long maxBytes) {
        int max = (int) Math.min(Integer.MAX_VALUE, maxBytes);
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxNumberLength(MAX_NUMBER_CHARS)
                        .maxNameLength(MAX_NAME_CHARS)
                        .maxStringLength(max)
                        .maxDocumentLength(maxBytes)
                        .build())
                .build();
        f.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        this.json = new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The body as a tree; 400 naming the problem when it is not one well-formed JSON value within the limits. */
    public JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) throw ApiError.invalid(null, "the request body is empty: a JSON object is expected");
        JsonNode tree;
        try {
            tree = json.readTree(bytes);
        } catch (IOException e) {
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw ApiError.invalid(null, "the request body is not valid JSON: " + clean(msg));
        }
        if (tree == null || tree.isMissingNode()) throw ApiError.invalid(null, "the request body is empty: a JSON object is expected");
        checkSurrogates(tree);
        return tree;
    }

    /** Walks the tree without recursion (depth is bounded anyway) and refuses any lone surrogate in a name or string. */
    private static void checkSurrogates(JsonNode root) {
        ArrayDeque<JsonNode> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            if (n.isTextual()) {
                if (loneSurrogate(n.textValue())) throw ApiError.invalid(null, "a string in the request holds a lone UTF-16 surrogate (not valid Unicode)");
            } else if (n.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (loneSurrogate(e.getKey())) throw ApiError.invalid(null, "a field name in the request holds a lone UTF-16 surrogate (not valid Unicode)");
                    todo.push(e.getValue());
                }
            } else if (n.isArray()) {
                for (JsonNode c : n) todo.push(c);
            }
        }
    }

    static boolean loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
                else return true;
            } else if (Character.isLowSurrogate(c)) return true;
        }
        return false;
    }

    /**
     * Jackson's message may quote the input: keep it short and free of lone surrogates, and drop the
     * clause that names a library setting ("enable `JsonReadFeature.…` to allow", "from
     * `StreamReadConstraints.…`"): the client cannot change those, and they are not about the request.
     */
    static String clean(String msg) {
        if (msg == null) return "unreadable";
        int tick = msg.indexOf('`');
        if (tick >= 0) {
            int cut = Math.max(msg.lastIndexOf(" (", tick), msg.lastIndexOf(": ", tick));
            msg = (cut > 0 ? msg.substring(0, cut) : msg.substring(0, tick)).strip();
        }
        String s = msg.length() > 300 ? msg.substring(0, 300) + "..." : msg;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    sb.append(c).append(s.charAt(++i));
                } else sb.append('\uFFFD');
            } else sb.append(c);
        }
        return sb.toString();
    }
}
