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
    /** Seconds a client should wait before trying again (the Retry-After header of 429 and 503); 0: none. */
    private final int retryAfter;

    public ApiError(int status, String type, String message, String param, String code) {
        this(status, type, message, param, code, 0);
    }

    public ApiError(int status, String type, String message, String param, String code, int retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
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
        return new ApiError(429, "rate_limit_error", "server busy: all generation slots and the queue are full, retry later", null, null, 1);
    }

    /** 429 for a principal over its own rate: {@code what} is "requests" or "ratings". */
    public static ApiError principalRateLimited(String what, int perMinute, int retryAfter) {
        return new ApiError(429, "rate_limit_error", "too many " + what + ": at most " + perMinute + " per minute for each user or key;"
                + " retry in " + retryAfter + " s", null, "rate_limit_exceeded", retryAfter);
    }

    /** 503: the feedback database cannot be reached; nothing was stored, the client may retry. */
    public static ApiError storeUnavailable() {
        return new ApiError(503, "api_error", "the feedback database is unavailable: nothing was stored; retry later",
                null, "feedback_store_unavailable", 5);
    }

    public static ApiError overloaded(String why) {
        return new ApiError(503, "overloaded_error", why, null, null, 1);
    }

    /** A real server fault: the client sees an id that is also in the server's log line. */
    public static ApiError internal(String errorId) {
        return internal(errorId, null);
    }

    /** The same with bgl's own one-line account of the fault (never a library's text). */
    public static ApiError internal(String errorId, String ownWords) {
        return new ApiError(500, "server_error", "internal server error" + (ownWords == null ? "" : ": " + ownWords)
                + " (id " + errorId + "; the server log has the details)", null, null);
    }

    /** 408: the request did not arrive in time. */
    public static ApiError timeout(String what) {
        return new ApiError(408, "invalid_request_error", what, null, "request_timeout");
    }

    /** A fault of the HTTP message itself (framing, URI, headers, version), with its status. */
    public static ApiError transport(int status, String message, String code) {
        return new ApiError(status, "invalid_request_error", message, null, code);
    }

    /** 403: the caller is known but the thing belongs to someone else. */
    public static ApiError forbidden(String message, String param) {
        return new ApiError(403, "permission_error", message, param, null);
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

    public int retryAfter() {
        return retryAfter;
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
