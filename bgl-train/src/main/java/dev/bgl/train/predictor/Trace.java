package dev.bgl.train.predictor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.util.BglException;

/**
 * One response of the model with full thinking, as {@code collect-traces} writes it (one JSON
 * object per line of {@code traces.jsonl}): the prompt's and the response's token ids are what the
 * predictor trains on; the rest says what was asked and how it went.
 *
 * @param model          file name of the model that generated it
 * @param vocab          that model's vocabulary size (a trainer with another vocabulary refuses the trace)
 * @param thinkingTokens tokens strictly between {@code <think>} and {@code </think>}
 * @param closed         whether {@code </think>} was generated (traces without it carry no label)
 */
public record Trace(String id, String family, int difficulty, String question, String answer, String model, int vocab,
                    int[] promptTokens, int[] tokens, int thinkingTokens, boolean closed, boolean correct, double seconds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public String toJsonLine() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("family", family);
        o.put("difficulty", difficulty);
        o.put("question", question);
        o.put("answer", answer);
        o.put("model", model);
        o.put("vocab", vocab);
        var pa = o.putArray("prompt_tokens");
        for (int t : promptTokens) pa.add(t);
        var ta = o.putArray("tokens");
        for (int t : tokens) ta.add(t);
        o.put("thinking_tokens", thinkingTokens);
        o.put("closed", closed);
        o.put("correct", correct);
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BglException("cannot write trace " + id + ": " + e.getMessage(), e);
        }
    }

    /** Parses one line; every problem is a BglException that starts with {@code where} (file and line). */
    public static Trace parse(String line, String where) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BglException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (o == null || !o.isObject()) throw new BglException(where + ": expected a JSON object");
        return new Trace(text(o, "id", where, true), text(o, "family", where, false), integer(o, "difficulty", where, 0),
                text(o, "question", where, false), text(o, "answer", where, false), text(o, "model", where, false),
                integer(o, "vocab", where, -1), ids(o, "prompt_tokens", where), ids(o, "tokens", where),
                integer(o, "thinking_tokens", where, -1), bool(o, "closed", where), bool(o, "correct", where),
                o.path("seconds").asDouble(0));
    }

    private static String text(JsonNode o, String key, String where, boolean required) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            if (required) throw new BglException(where + ": field '" + key + "' is missing");
            return "";
        }
        if (!v.isTextual()) throw new BglException(where + ": field '" + key + "' must be a string");
        if (required && v.asText().isBlank()) throw new BglException(where + ": field '" + key + "' is empty");
        return v.asText();
    }

    private static int integer(JsonNode o, String key, String where, int absent) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return absent;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new BglException(where + ": field '" + key + "' must be an integer, got " + v);
        return v.asInt();
    }

    private static boolean bool(JsonNode o, String key, String where) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw new BglException(where + ": field '" + key + "' must be true or false, got " + v);
        return v.asBoolean();
    }

    private static int[] ids(JsonNode o, String key, String where) {
        JsonNode v = o.get(key);
        if (v == null || !v.isArray()) throw new BglException(where + ": field '" + key + "' must be an array of token ids");
        int[] a = new int[v.size()];
        for (int i = 0; i < a.length; i++) {
            JsonNode t = v.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0)
                throw new BglException(where + ": " + key + "[" + i + "] is not a token id: " + t);
            a[i] = t.asInt();
        }
        return a;
    }
}
