package dev.bgl.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.IntConsumer;

/**
 * Jetty's error pages, as the API's JSON: every answer the HTTP layer gives on its own (a malformed
 * request line, bad framing, an over-long URI or header block, an HTTP version it does not speak,
 * an early EOF or a timeout outside a handler) is {@code {"error":{...}}} with the right 4xx, never
 * an HTML page. A 5xx here is a real fault: it gets an id that is also logged.
 */
final class JsonErrorHandler extends ErrorHandler {
    /** Jetty's request-header buffer: the request line (URI included) and all headers must fit in it. */
    static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Guard guard;
    private final long maxBodyBytes;
    private final IntConsumer counter;

    /** @param counter told the status of every answer given here (the metrics) */
    JsonErrorHandler(Guard guard, long maxBodyBytes, IntConsumer counter) {
        this.guard = guard;
        this.maxBodyBytes = maxBodyBytes;
        this.counter = counter;
    }

    static String newErrorId() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return "err-" + HexFormat.of().formatHex(b);
    }

    /** The error for a status and what Jetty knows; real faults are logged with their id. */
    ApiError error(int status, String message, Throwable cause) {
        ApiError fromCause = cause == null ? null : HttpFaults.classify(cause, guard);
        ApiError e = fromCause != null ? fromCause : HttpFaults.forStatus(status, message, guard, maxBodyBytes);
        if (e.status() >= 500 && e.status() != 505) System.err.println("bgl serve: " + e.getMessage() + ": HTTP " + status + " " + message
                + (cause == null ? "" : " (" + cause + ")"));
        return e;
    }

    static byte[] body(ApiError e) {
        try {
            return JSON.writeValueAsBytes(e.toJson());
        } catch (JsonProcessingException x) {
            throw new IllegalStateException("cannot serialise an error", x);
        }
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        ApiError e = error(code, message, cause);
        counter.accept(e.status());
        response.setStatus(e.status());
        HttpFields.Mutable h = response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, "application/json");
        if (e.retryAfter() > 0) h.put(HttpHeader.RETRY_AFTER, Integer.toString(e.retryAfter()));
        response.write(true, ByteBuffer.wrap(body(e)), callback);
    }

    /** The body of an answer to a message Jetty could not parse (no request exists to hand to a handler). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        ApiError e = error(status, reason, null);
        counter.accept(e.status());
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(body(e));
    }
}
