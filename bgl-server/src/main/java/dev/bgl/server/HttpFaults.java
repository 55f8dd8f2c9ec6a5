package dev.bgl.server;

import org.eclipse.jetty.http.HttpException;

import java.io.EOFException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/**
 * Faults of the HTTP exchange itself (not of the JSON in it), as the API's errors: a body that
 * ends early or arrives too slowly, bad chunking, an over-long URI or header block, an unknown
 * HTTP version. Each is the client's doing, so each is a 4xx with a sentence about the request,
 * never a 500 quoting a library class.
 */
final class HttpFaults {
    private HttpFaults() {
    }

    /** The error for an exception thrown while reading a request, or null when it is no transport fault (a real server fault). */
    static ApiError classify(Throwable thrown, Guard guard) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ApiError a) return a;
            if (t instanceof TimeoutException) return bodyTimeout(guard);
            if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
                if (h.getCode() == 408) return bodyTimeout(guard);
                if (isEarlyEof(t)) return earlyEof();
                return forStatus(h.getCode(), h.getReason(), guard, 0);
            }
            if (isEarlyEof(t)) return earlyEof();
        }
        return null;
    }

    private static boolean isEarlyEof(Throwable t) {
        if (t instanceof EOFException || t instanceof ClosedChannelException) return true;
        if (t instanceof org.eclipse.jetty.io.EofException) return true;
        String m = t.getMessage();
        return m != null && (m.contains("Early EOF") || m.contains("early EOF"));
    }

    static ApiError earlyEof() {
        return ApiError.transport(400, "the request body ended before its declared length (Content-Length or the chunked framing)",
                "incomplete_body");
    }

    static ApiError bodyTimeout(Guard guard) {
        return ApiError.timeout("the request body did not arrive in time: it must be complete within "
                + seconds(guard.bodyTimeoutMs()) + " s of the headers, at " + guard.minBodyBytesPerSecond() + " bytes/s or more");
    }

    static ApiError headerTimeout(Guard guard) {
        return ApiError.timeout("the request headers did not arrive within " + seconds(guard.headerTimeoutMs()) + " s");
    }

    /**
     * The error for an HTTP status the transport chose (Jetty's bad-message and error paths):
     * our own sentence for each status, with the transport's reason only when it is plain words.
     */
    static ApiError forStatus(int status, String reason, Guard guard, long maxBodyBytes) {
        String plain = plainReason(reason);
        return switch (status) {
            case 408 -> bodyTimeout(guard);
            case 413 -> maxBodyBytes > 0 ? ApiError.tooLarge(maxBodyBytes)
                    : ApiError.transport(413, "request body too large", "request_too_large");
            case 414 -> ApiError.transport(414, "the request URI (path and query) is too long: the request line and headers must fit in "
                    + JsonErrorHandler.MAX_HEADER_BYTES + " bytes", "uri_too_long");
            case 431 -> ApiError.transport(431, "the request headers are too large: the request line and headers must fit in "
                    + JsonErrorHandler.MAX_HEADER_BYTES + " bytes", "headers_too_large");
            case 505 -> ApiError.transport(505, "HTTP version not supported: send HTTP/1.1 (or HTTP/1.0)", "http_version_not_supported");
            case 404 -> ApiError.notFound("no such route", null, null);
            case 405 -> ApiError.transport(405, "method not allowed on this route", "method_not_allowed");
            default -> {
                if (status >= 500) yield ApiError.internal(JsonErrorHandler.newErrorId());
                if (status == 400) yield ApiError.transport(400, "malformed HTTP request" + (plain == null ? "" : ": " + plain), "bad_http_request");
                yield ApiError.transport(status, "the HTTP request was refused" + (plain == null ? "" : ": " + plain), null);
            }
        };
    }

    /** The transport's reason when it reads as words about the request (no class names, no stack), lower-cased; else null. */
    static String plainReason(String reason) {
        if (reason == null || reason.isBlank() || reason.length() > 100) return null;
        if (!reason.matches("[A-Za-z0-9 ,:;'/()\\-]+")) return null;
        if (reason.contains("Exception") || reason.contains("org/") || reason.contains("java")) return null;
        String r = reason.strip();
        return Character.toLowerCase(r.charAt(0)) + r.substring(1);
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(java.util.Locale.ROOT, "%.1f", ms / 1000.0);
    }
}
