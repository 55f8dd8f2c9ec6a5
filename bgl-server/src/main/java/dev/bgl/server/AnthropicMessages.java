package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Anthropic's Messages request in the shape bgl's chat endpoint reads: {@code system}, text
 * {@code messages}, {@code max_tokens}, {@code thinking} ({@code enabled} with {@code budget_tokens}:
 * the thinking budget, as llama.cpp maps it; {@code disabled}: no thinking), sampling fields, and
 * bgl's own budget fields passed through. What a text model cannot do (tools, images, documents)
 * is a 400 naming the field, never silently dropped.
 */
final class AnthropicMessages {
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    /** bgl's own fields, read as on /v1/chat/completions. */
    private static final List<String> PASSED = List.of("model", "stream", "temperature", "top_p", "top_k",
            "thinking_budget", "thinking_budget_tokens", "thinking_token_budget", "thinking_budget_seconds", "budget",
            "budget_mode", "reasoning_effort", "seed", "min_p");
    private static final List<String> UNSUPPORTED = List.of("tools", "tool_choice", "stop_sequences", "container", "mcp_servers");

    private AnthropicMessages() {
    }

    /** The chat-completions body of a Messages body; an {@link ApiError} naming the field for anything unsupported. */
    static ObjectNode toChat(JsonNode b) {
        if (b == null || !b.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
        for (String f : UNSUPPORTED) {
            JsonNode v = b.get(f);
            if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty()))
                throw ApiError.invalid(f, "'" + f + "' is not supported: bgl serves a text reasoning model without tools or stop sequences");
        }
        ObjectNode out = J.objectNode();
        for (String f : PASSED) if (b.has(f)) out.set(f, b.get(f));
        JsonNode max = b.get("max_tokens");
        if (max == null || max.isNull()) throw ApiError.invalid("max_tokens", "'max_tokens' is required");
        out.set("max_tokens", max);
        JsonNode meta = b.get("metadata");
        if (meta != null && meta.isObject() && meta.path("user_id").isTextual()) out.put("user", meta.get("user_id").asText());

        ArrayNode msgs = out.putArray("messages");
        JsonNode system = b.get("system");
        if (system != null && !system.isNull()) msgs.addObject().put("role", "system").put("content", text(system, "system"));
        JsonNode m = b.get("messages");
        if (m == null || !m.isArray()) throw ApiError.invalid("messages", "'messages' must be an array");
        for (int i = 0; i < m.size(); i++) {
            JsonNode e = m.get(i);
            String at = "messages[" + i + "]";
            if (!e.isObject()) throw ApiError.invalid(at, at + " must be an object with 'role' and 'content'");
            String role = e.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant"))
                throw ApiError.invalid(at + ".role", at + ".role must be 'user' or 'assistant'");
            msgs.addObject().put("role", role).put("content", text(e.get("content"), at + ".content"));
        }

        JsonNode thinking = b.get("thinking");
        if (thinking != null && !thinking.isNull()) {
            if (!thinking.isObject()) throw ApiError.invalid("thinking", "'thinking' must be an object such as {\"type\":\"enabled\",\"budget_tokens\":1024}");
            switch (thinking.path("type").asText("")) {
                case "enabled" -> {
                    JsonNode bt = thinking.get("budget_tokens");
                    if (bt == null || !bt.isIntegralNumber())
                        throw ApiError.invalid("thinking.budget_tokens", "'thinking.budget_tokens' must be an integer when thinking is enabled");
                    for (String f : RequestParser.TOKEN_BUDGET_FIELDS)
                        if (b.has(f)) throw ApiError.invalid(f, "give only one of 'thinking.budget_tokens' and '" + f + "'");
                    if (bt.asLong() < 0 || bt.asLong() > RequestParser.MAX_BUDGET_TOKENS)
                        throw ApiError.invalid("thinking.budget_tokens", "'thinking.budget_tokens' must be in 0.." + RequestParser.MAX_BUDGET_TOKENS + ", got " + bt.asText());
                    out.put("thinking_budget", bt.asInt());
                }
                case "disabled" -> {
                    if (!b.has("budget_mode")) out.put("budget_mode", "nothink");
                }
                default -> throw ApiError.invalid("thinking.type", "'thinking.type' must be 'enabled' or 'disabled', got '" + thinking.path("type").asText() + "'");
            }
        }
        return out;
    }

    /** A string, or text blocks; thinking blocks a client sends back are dropped (the template renders no past thinking). */
    private static String text(JsonNode c, String at) {
        if (c != null && c.isTextual()) return c.asText();
        if (c == null || !c.isArray()) throw ApiError.invalid(at, at + " must be a string or an array of content blocks");
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            JsonNode block = c.get(j);
            String type = block.path("type").asText("");
            switch (type) {
                case "text" -> {
                    if (!block.path("text").isTextual()) throw ApiError.invalid(at + "[" + j + "].text", at + "[" + j + "].text must be a string");
                    sb.append(block.get("text").asText());
                }
                case "thinking", "redacted_thinking" -> {
                }
                default -> throw ApiError.invalid(at + "[" + j + "].type", "content block type '" + type + "' at " + at + "[" + j
                        + "] is not supported: this model reads text only");
            }
        }
        return sb.toString();
    }

    /** Anthropic's error body: {"type":"error","error":{"type":...,"message":...}} (bgl's param and code kept beside). */
    static ObjectNode error(ApiError e) {
        ObjectNode r = J.objectNode();
        r.put("type", "error");
        ObjectNode x = r.putObject("error");
        x.put("type", switch (e.status()) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            case 500 -> "api_error";
            default -> "invalid_request_error";
        });
        x.put("message", e.getMessage());
        x.put("param", e.param());
        x.put("code", e.code());
        return r;
    }

    static String stopReason(Engine.Generated g) {
        return g.finishReason().equals("length") ? "max_tokens" : "end_turn";
    }
}
