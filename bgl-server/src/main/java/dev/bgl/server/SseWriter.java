package dev.bgl.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.decode.Cancellation;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes server-sent events ({@code data: <json>\n\n}), flushing each so the client sees tokens as
 * they come. The first failed write means the client went away: it cancels the generation and
 * makes every later write a no-op.
 */
final class SseWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServletResponse response;
    private final Cancellation cancellation;
    private OutputStream out;
    private boolean broken;

    /** Touches the response only at the first event, so an error before it can still be sent as JSON. */
    SseWriter(HttpServletResponse response, Cancellation cancellation) {
        this.response = response;
        this.cancellation = cancellation;
    }

    void send(ObjectNode event) {
        try {
            write("data: " + JSON.writeValueAsString(event) + "\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise an event", e);
        }
    }

    /** A named event ({@code event: <name>\ndata: <json>\n\n}), as Anthropic's Messages stream sends them. */
    void send(String name, ObjectNode event) {
        try {
            write("event: " + name + "\ndata: " + JSON.writeValueAsString(event) + "\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise an event", e);
        }
    }

    void done() {
        write("data: [DONE]\n\n");
    }

    /** Whether the response is under way (its status and headers are sent or being sent). */
    boolean started() {
        return out != null || broken;
    }

    /** Whether the client went away. */
    boolean broken() {
        return broken;
    }

    private void write(String s) {
        if (broken) return;
        try {
            if (out == null) {
                response.setStatus(200);
                response.setContentType("text/event-stream; charset=utf-8");
                response.setHeader("Cache-Control", "no-cache");
                response.setHeader("X-Accel-Buffering", "no");
                out = response.getOutputStream();
            }
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | RuntimeException e) {
            broken = true;
            cancellation.cancel();
        }
    }
}
