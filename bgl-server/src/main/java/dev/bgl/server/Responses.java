package dev.bgl.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.budget.BudgetOutcome;

/** The JSON shapes of the generation endpoints (see docs/api.md). */
final class Responses {
    private static final JsonNodeFactory J = JsonNodeFactory.instance;

    private Responses() {
    }

    static ObjectNode chat(String id, long created, String model, Engine.Generated g, ParsedRequest p, String taskType,
                          CompletionsHandler.BudgetSource source) {
        ObjectNode r = head(id, "chat.completion", created, model);
        ObjectNode choice = onlyChoice(r);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", g.outcome().answer());
        msg.put("reasoning_content", g.outcome().thinking());
        msg.put("reasoning", g.outcome().thinking()); // vLLM's name since it removed reasoning_content: clients of either read it
        return finish(r, choice, id, g, p, taskType, source);
    }

    static ObjectNode completion(String id, long created, String model, Engine.Generated g, ParsedRequest p, String taskType,
                          CompletionsHandler.BudgetSource source) {
        ObjectNode r = head(id, "text_completion", created, model);
        ObjectNode choice = onlyChoice(r);
        choice.put("text", g.outcome().answer());
        choice.put("reasoning_content", g.outcome().thinking());
        choice.put("reasoning", g.outcome().thinking());
        return finish(r, choice, id, g, p, taskType, source);
    }

    /** A stream chunk with one delta ({@code field}: role, reasoning_content or content). */
    static ObjectNode chunk(String id, long created, String model, String field, String text, String phase, int thinkingTokens,
                            Integer budgetTokens, double predictedRemaining) {
        ObjectNode r = head(id, "chat.completion.chunk", created, model);
        ObjectNode choice = onlyChoice(r);
        ObjectNode delta = choice.putObject("delta");
        delta.put(field, text);
        if (field.equals("reasoning_content")) delta.put("reasoning", text); // vLLM's name too
        choice.putNull("finish_reason");
        ObjectNode b = r.putObject("bgl");
        b.put("phase", phase);
        b.put("thinking_tokens", thinkingTokens);
        b.put("budget_tokens", budgetTokens);
        if (Double.isNaN(predictedRemaining)) b.putNull("predicted_remaining");
        else b.put("predicted_remaining", Math.round(predictedRemaining * 10) / 10.0);
        return r;
    }

    static ObjectNode finalChunk(String id, long created, String model, Engine.Generated g, ParsedRequest p, String taskType,
                          CompletionsHandler.BudgetSource source) {
        ObjectNode r = head(id, "chat.completion.chunk", created, model);
        ObjectNode choice = onlyChoice(r);
        choice.putObject("delta");
        return finish(r, choice, id, g, p, taskType, source);
    }

    /** The response's one choice (bgl answers n = 1), index 0. */
    private static ObjectNode onlyChoice(ObjectNode r) {
        ObjectNode choice = r.putArray("choices").addObject();
        choice.put("index", 0);
        return choice;
    }

    /** What ends every finished response, whole or streamed: why it stopped, the usage and the bgl block. */
    private static ObjectNode finish(ObjectNode r, ObjectNode choice, String id, Engine.Generated g, ParsedRequest p, String taskType,
                                     CompletionsHandler.BudgetSource source) {
        choice.put("finish_reason", g.finishReason());
        r.set("usage", usage(g));
        r.set("bgl", bgl(id, g, p, taskType, source));
        return r;
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode r = J.objectNode();
        r.put("id", id);
        r.put("object", object);
        r.put("created", created);
        r.put("model", model);
        return r;
    }

    static ObjectNode usage(Engine.Generated g) {
        BudgetOutcome o = g.outcome();
        int completion = o.result().tokens().length;
        ObjectNode u = J.objectNode();
        u.put("prompt_tokens", g.promptTokens());
        u.put("completion_tokens", completion);
        u.put("total_tokens", g.promptTokens() + completion);
        u.putObject("completion_tokens_details").put("reasoning_tokens", o.thinkingTokens());
        return u;
    }

    static ObjectNode bgl(String id, Engine.Generated g, ParsedRequest p, String taskType,
                          CompletionsHandler.BudgetSource source) {
        BudgetOutcome o = g.outcome();
        ObjectNode b = J.objectNode();
        b.put("request_id", id);
        b.put("mode", p.method().name());
        b.put("budget", p.budgetSpec());
        b.put("budget_tokens", p.budgetTokens());
        b.put("budget_source", source.source());
        b.put("budget_reason", source.reason());
        b.put("max_thinking_budget", source.ceiling());
        b.put("budget_capped", source.capped());
        b.put("thinking_tokens", o.thinkingTokens());
        b.put("answer_tokens", o.answerTokens());
        b.put("seconds", Math.round(g.seconds() * 1000) / 1000.0);
        b.put("within_budget", g.withinBudget());
        // strict accounting: reasoning written after the thinking closed is not an answer
        b.put("answer_overrun", o.answerOverrun());
        b.put("answer_max_tokens", o.answerPhase().answerMax());
        b.put("stop_reason", o.stopReason());
        if (o.answerPhase().closedAtLineEnd() != null) b.put("closed_at_line_end", o.answerPhase().closedAtLineEnd());
        if (g.ceilingGrace() != null) {
            // how the budget is kept: a guided run with a ceiling closes by budget + 2 x grace at the latest
            b.put("budget_kept", g.ceilingGrace() < 0 ? "soft" : "ceiling");
            if (g.ceilingGrace() >= 0) b.put("ceiling_grace", g.ceilingGrace());
        }
        b.put("intervened", o.intervened());
        if (Double.isFinite(o.predictedThinking())) b.put("predicted_thinking_tokens", Math.round(o.predictedThinking() * 10) / 10.0);
        else b.putNull("predicted_thinking_tokens");
        b.put("task_type", taskType);
        b.put("cancelled", g.cancelled());
        return b;
    }
}
