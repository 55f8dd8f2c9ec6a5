package dev.bgl.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.format.FormatException;

import java.nio.file.Path;

/**
 * A config.json's {@code rope_scaling} (or transformers 5's {@code rope_parameters}) as a
 * {@link RopeScaling}, with the meaning llama.cpp's converter gives it, so that a folder and the
 * GGUF converted from it run alike: {@code llama3} becomes per-dimension frequency factors,
 * {@code linear} and {@code yarn} a factor (YaRN's original context defaulting to
 * {@code max_position_embeddings}, as transformers does). Another type is an error naming it.
 */
final class HfRopeScaling {
    private HfRopeScaling() {
    }

    static RopeScaling read(Path file, JsonNode root, int headDim, double ropeTheta, int maxPositions) {
        String key = present(root, "rope_scaling") ? "rope_scaling" : "rope_parameters";
        JsonNode r = root.get(key);
        if (r == null || r.isNull()) return RopeScaling.NONE;
        if (!r.isObject()) throw new FormatException(file, "'" + key + "' should be an object but is " + r);
        String typeKey = present(r, "rope_type") ? "rope_type" : "type";
        JsonNode t = r.get(typeKey);
        if (t == null || t.isNull()) return RopeScaling.NONE;
        if (!t.isTextual()) throw new FormatException(file, "'" + key + "." + typeKey + "' should be a string but is " + t);
        String type = t.asText();
        return switch (type) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> RopeScaling.linear((float) number(file, key, r, "factor", null));
            case "llama3" -> RopeScaling.NONE.withFreqFactors(RopeScaling.llama3FreqFactors(headDim, ropeTheta,
                    number(file, key, r, "factor", 8.0), number(file, key, r, "low_freq_factor", 1.0),
                    number(file, key, r, "high_freq_factor", 4.0), integer(file, key, r, "original_max_position_embeddings", 8192)));
            case "yarn" -> {
                float factor = (float) number(file, key, r, "factor", null);
                int orig = integer(file, key, r, "original_max_position_embeddings", maxPositions);
                float betaFast = (float) number(file, key, r, "beta_fast", (double) RopeScaling.BETA_FAST);
                float betaSlow = (float) number(file, key, r, "beta_slow", (double) RopeScaling.BETA_SLOW);
                // transformers' attention_factor replaces 0.1·ln(factor) + 1; ours multiplies it
                double standard = factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1;
                float attn = (float) (number(file, key, r, "attention_factor", standard) / standard);
                yield new RopeScaling(RopeScaling.Kind.YARN, factor, orig, betaFast, betaSlow, attn, null);
            }
            default -> throw new FormatException(file, "'" + key + "." + typeKey + "' is '" + type
                    + "', which bgl does not compute (default, linear, yarn, llama3)");
        };
    }

    /** What {@link #read} reads back as {@code s}; null for plain RoPE or when only frequency factors say it (llama3's inputs are gone). */
    static ObjectNode toJson(RopeScaling s) {
        if (s.kind() == RopeScaling.Kind.NONE) return null;
        ObjectNode o = HfConfig.JSON.createObjectNode();
        o.put("rope_type", s.kind().key());
        o.put("factor", s.factor());
        if (s.kind() == RopeScaling.Kind.YARN) {
            o.put("original_max_position_embeddings", s.originalContext());
            o.put("beta_fast", s.betaFast());
            o.put("beta_slow", s.betaSlow());
            double standard = s.factor() <= 1 ? 1 : 0.1 * Math.log(s.factor()) + 1;
            if (s.attnFactor() != 1f) o.put("attention_factor", s.attnFactor() * standard);
        }
        return o;
    }

    private static boolean present(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v != null && !v.isNull();
    }

    private static double number(Path file, String key, JsonNode r, String field, Double fallback) {
        if (!present(r, field)) {
            if (fallback == null) throw new FormatException(file, "'" + key + "' lacks '" + field + "'");
            return fallback;
        }
        JsonNode v = r.get(field);
        double x = v.asDouble();
        if (!v.isNumber() || !(x > 0) || !Float.isFinite((float) x) || (float) x == 0f)
            throw new FormatException(file, "'" + key + "." + field + "' = " + v + " is not a positive number");
        return x;
    }

    private static int integer(Path file, String key, JsonNode r, String field, int fallback) {
        if (!present(r, field)) return fallback;
        JsonNode v = r.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1)
            throw new FormatException(file, "'" + key + "." + field + "' = " + v + " is not a positive integer");
        return v.asInt();
    }
}
