package dev.bgl.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error the API answers with: an HTTP status and the OpenAI error object
 * {@code {"error":{"message","type","param","code"}}}. Thrown anywhere below a handler; the server
 * turns it into the response.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 for a bad field: the message names it, {@code param} is its name. */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, null);
    }

    public static ApiError contextLength(int promptTokens, int context) {
        return new ApiError(400, "invalid_request_error", "the prompt has " + promptTokens
                + " tokens but the model's context holds " + context, "messages", "context_length_exceeded");
    }

    public static ApiError unauthorized() {
        return new ApiError(401, "authentication_error", "missing or wrong API key (send 'Authorization: Bearer KEY')", null, null);
    }

    public static ApiError notFound(String message, String param, String code) {
        return new ApiError(404, "not_found_error", message, param, code);
    }

    public static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", "request body larger than " + limit + " bytes", null, "request_too_large");
    }

    public static ApiError rateLimited() {
        return new ApiError(429, "rate_limit_error", "server busy: all generation slots and the queue are full, retry later", null, null);
    }

    public static ApiError overloaded(String why) {
        return new ApiError(503, "overloaded_error", why, null, null);
    }

    public static ApiError internal(String why) {
        return new ApiError(500, "server_error", why, null, null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
