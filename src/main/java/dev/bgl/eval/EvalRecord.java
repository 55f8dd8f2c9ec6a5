package dev.bgl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.util.BglException;

/**
 * One evaluated sample: a problem answered by one method at one budget, as a line of {@code records.jsonl}.
 * Methods without a budget ({@code none}, {@code nothink}) have {@code budget = } {@link #NO_BUDGET}
 * (written as JSON null). {@code predictedThinking} is NaN without a predictor (written as null).
 *
 * @param wallMs        wall time of the whole generation, prompt included
 * @param decodeTps     decode speed of this sample (generated tokens per second of decoding)
 * @param overshoot     thinking tokens beyond the budget (0 when within it or without a budget)
 */
public record EvalRecord(String id, String method, int budget, int thinkingTokens, int answerTokens, boolean correct,
                         String extracted, String gold, double wallMs, double decodeTps, boolean intervened,
                         double predictedThinking, boolean withinBudget, int overshoot, boolean thinkingClosed,
                         String stopReason) {
    public static final int NO_BUDGET = -1;

    /** The (problem, method, budget) a record answers: what resume matches on. */
    public record Key(String id, String method, int budget) {
    }

    public Key key() {
        return new Key(id, method, budget);
    }

    public boolean hasBudget() {
        return budget != NO_BUDGET;
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", id);
        o.put("method", method);
        if (hasBudget()) o.put("budget", budget);
        else o.putNull("budget");
        o.put("thinking_tokens", thinkingTokens);
        o.put("answer_tokens", answerTokens);
        o.put("correct", correct);
        if (extracted == null) o.putNull("extracted");
        else o.put("extracted", extracted);
        o.put("gold", gold);
        o.put("wall_ms", round3(wallMs));
        o.put("decode_tps", round3(decodeTps));
        o.put("intervened", intervened);
        if (Double.isFinite(predictedThinking)) o.put("predicted_thinking", predictedThinking);
        else o.putNull("predicted_thinking");
        o.put("within_budget", withinBudget);
        o.put("overshoot", overshoot);
        o.put("thinking_closed", thinkingClosed);
        o.put("stop_reason", stopReason);
        return o;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Reads a record written by {@link #toJson}; a missing or mistyped field is an error naming it. */
    public static EvalRecord fromJson(JsonNode o) {
        if (!o.isObject()) throw new BglException("expected a JSON object, found " + o.getNodeType());
        JsonNode b = need(o, "budget", true), p = need(o, "predicted_thinking", true), x = need(o, "extracted", true);
        return new EvalRecord(text(o, "id"), text(o, "method"), b.isNull() ? NO_BUDGET : integer(o, "budget"),
                integer(o, "thinking_tokens"), integer(o, "answer_tokens"), bool(o, "correct"),
                x.isNull() ? null : x.asText(), text(o, "gold"), number(o, "wall_ms"), number(o, "decode_tps"),
                bool(o, "intervened"), p.isNull() ? Double.NaN : number(o, "predicted_thinking"),
                bool(o, "within_budget"), integer(o, "overshoot"), bool(o, "thinking_closed"), text(o, "stop_reason"));
    }

    private static JsonNode need(JsonNode o, String field, boolean nullable) {
        JsonNode n = o.get(field);
        if (n == null || (!nullable && n.isNull())) throw new BglException("missing field '" + field + "'");
        return n;
    }

    private static String text(JsonNode o, String f) {
        JsonNode n = need(o, f, false);
        if (!n.isTextual()) throw new BglException("field '" + f + "': expected text, found " + n.getNodeType());
        return n.asText();
    }

    private static int integer(JsonNode o, String f) {
        JsonNode n = need(o, f, false);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new BglException("field '" + f + "': expected an integer, found " + n);
        return n.intValue();
    }

    private static double number(JsonNode o, String f) {
        JsonNode n = need(o, f, false);
        if (!n.isNumber()) throw new BglException("field '" + f + "': expected a number, found " + n);
        return n.doubleValue();
    }

    private static boolean bool(JsonNode o, String f) {
        JsonNode n = need(o, f, false);
        if (!n.isBoolean()) throw new BglException("field '" + f + "': expected true or false, found " + n);
        return n.booleanValue();
    }
}
