package dev.bgl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.budget.Budget;
import dev.bgl.util.BglException;

/**
 * One evaluated sample: a problem answered by one method at one budget, as a line of {@code records.jsonl}.
 * Methods without a budget ({@code none}, {@code nothink}) have {@code budget = } {@link #NO_BUDGET}
 * (written as JSON null). {@code predictedThinking} is NaN without a predictor (written as null).
 *
 * @param wallMs        wall time of the whole generation, prompt included
 * @param decodeTps     decode speed of this sample (generated tokens per second of decoding)
 * @param overshoot     thinking tokens beyond the budget (0 when within it or without a budget)
 * @param limits        the budget in other units as given ({@code 2s}, {@code 16KB}, {@code 5s+64MB}); null when the
 *                      budget is plain thinking tokens ({@code budget}), as in every record written before units
 *                      existed; with limits, {@code budget} is {@link #NO_BUDGET}
 * @param kvBytes       KV-cache bytes the run's tokens took at the end (-1: not measured)
 * @param withinBudget  strict: the thinking within the budget and no answer overrun
 * @param answerOverrun the answer reached its cap without ending, or a thinking marker came after the close:
 *                      the run reasoned on after its thinking closed
 * @param closedAtLineEnd whether the thinking closed at a line end (null: it did not close while decoding)
 */
public record EvalRecord(String id, String method, int budget, int thinkingTokens, int answerTokens, boolean correct,
                         String extracted, String gold, double wallMs, double decodeTps, boolean intervened,
                         double predictedThinking, boolean withinBudget, int overshoot, boolean thinkingClosed,
                         String stopReason, String limits, long kvBytes, boolean answerOverrun, Boolean closedAtLineEnd) {
    public static final int NO_BUDGET = -1;

    /** A record without the answer-phase fields (no overrun, line end unknown). */
    public EvalRecord(String id, String method, int budget, int thinkingTokens, int answerTokens, boolean correct,
                      String extracted, String gold, double wallMs, double decodeTps, boolean intervened,
                      double predictedThinking, boolean withinBudget, int overshoot, boolean thinkingClosed,
                      String stopReason, String limits, long kvBytes) {
        this(id, method, budget, thinkingTokens, answerTokens, correct, extracted, gold, wallMs, decodeTps, intervened,
                predictedThinking, withinBudget, overshoot, thinkingClosed, stopReason, limits, kvBytes, false, null);
    }

    /** Strictly correct: the right answer, written as an answer (no overrun after the thinking closed). */
    public boolean strictCorrect() {
        return correct && !answerOverrun;
    }

    /** The lenient budget measure: the thinking alone within the budget (true without a token budget). */
    public boolean thinkingWithinBudget() {
        return overshoot == 0;
    }

    /** Everything the run generated after the prompt that the user waits for: thinking and answer. */
    public int totalTokens() {
        return thinkingTokens + answerTokens;
    }

    /** A record under a token budget (or none), as before budgets had units. */
    public EvalRecord(String id, String method, int budget, int thinkingTokens, int answerTokens, boolean correct,
                      String extracted, String gold, double wallMs, double decodeTps, boolean intervened,
                      double predictedThinking, boolean withinBudget, int overshoot, boolean thinkingClosed, String stopReason) {
        this(id, method, budget, thinkingTokens, answerTokens, correct, extracted, gold, wallMs, decodeTps, intervened,
                predictedThinking, withinBudget, overshoot, thinkingClosed, stopReason, null, -1);
    }

    public EvalRecord {
        if (limits != null && budget != NO_BUDGET)
            throw new BglException("record " + id + ": a budget in units (" + limits + ") and in tokens (" + budget + ") at once");
    }

    /** The (problem, method, budget) a record answers: what resume matches on. {@code limits} null for token budgets. */
    public record Key(String id, String method, int budget, String limits) {
        public Key(String id, String method, int budget) {
            this(id, method, budget, null);
        }
    }

    public Key key() {
        return new Key(id, method, budget, limits);
    }

    /** Whether the record ran under a budget in thinking tokens (not one in other units, not none). */
    public boolean hasBudget() {
        return budget != NO_BUDGET;
    }

    public boolean hasLimits() {
        return limits != null;
    }

    /**
     * Whether the run finished its whole answer: the thinking closed and the model ended the answer itself (not
     * cut by the token cap or cancelled).
     */
    public boolean answerComplete() {
        return thinkingClosed && ("end_of_generation".equals(stopReason) || "stop_string".equals(stopReason));
    }

    /**
     * Under budgets in units: whether the run finished its whole answer and kept every limit the record can check,
     * seconds with {@code slack} (0.1: within the budget + 10%) on the wall clock of the whole run, KV bytes exactly,
     * tokens on the thinking; FLOPs and cost are not recorded and count as kept. Without limits: whether the
     * answer finished within the token budget.
     */
    public boolean keptLimits(double slack) {
        if (!answerComplete() || answerOverrun) return false;
        if (limits == null) return withinBudget;
        Budget b = BUDGETS.computeIfAbsent(limits, Budget::parse);
        // FLOPs and cost are not recorded: they count as kept here (0 spent), as reports say
        return b.kept(new Budget.Spent(thinkingTokens, answerOverrun, wallMs / 1000, kvBytes, 0, 0), slack);
    }

    /** The budgets records name, parsed once each: a run has a handful, its records thousands. */
    private static final java.util.Map<String, Budget> BUDGETS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The same record with {@code withinBudget} set. */
    public EvalRecord withWithinBudget(boolean within) {
        return new EvalRecord(id, method, budget, thinkingTokens, answerTokens, correct, extracted, gold, wallMs, decodeTps,
                intervened, predictedThinking, within, overshoot, thinkingClosed, stopReason, limits, kvBytes, answerOverrun, closedAtLineEnd);
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
        if (limits != null) o.put("limits", limits);
        if (kvBytes >= 0) o.put("kv_bytes", kvBytes);
        o.put("answer_overrun", answerOverrun);
        o.put("strict_correct", strictCorrect());
        if (closedAtLineEnd != null) o.put("closed_at_line_end", closedAtLineEnd);
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
                bool(o, "within_budget"), integer(o, "overshoot"), bool(o, "thinking_closed"), text(o, "stop_reason"),
                o.hasNonNull("limits") ? text(o, "limits") : null, o.hasNonNull("kv_bytes") ? longInteger(o, "kv_bytes") : -1,
                // records written before strict accounting carry neither: no overrun was checked, the close unknown
                o.has("answer_overrun") && bool(o, "answer_overrun"), o.hasNonNull("closed_at_line_end") ? bool(o, "closed_at_line_end") : null);
    }

    private static long longInteger(JsonNode o, String f) {
        JsonNode n = need(o, f, false);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) throw new BglException("field '" + f + "': expected an integer, found " + n);
        return n.longValue();
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
