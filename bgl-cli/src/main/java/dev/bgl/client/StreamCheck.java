package dev.bgl.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;

/**
 * Checks one SSE stream as docs/api.md describes it, line by line: data events only; a role delta
 * first; then reasoning_content deltas before content deltas; a final chunk with finish_reason,
 * usage (reasoning tokens within completion tokens) and the bgl object; then [DONE] and the end.
 */
final class StreamCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final long t0;
    long firstToken;
    int completionTokens, reasoningTokens;
    private int events;
    private String id;
    private boolean sawAnswer, sawFinal, sawDone, blankExpected;
    private int deltas;

    StreamCheck(long t0) {
        this.t0 = t0;
    }

    /** null when the line fits, else what is wrong. */
    String line(String line) {
        if (blankExpected) {
            blankExpected = false;
            return line.isEmpty() ? null : "an event not followed by a blank line: " + LoadTest.abbreviate(line);
        }
        if (line.isEmpty()) return null; // tolerated keep-alive spacing
        if (line.startsWith(":")) return null; // SSE comment
        if (!line.startsWith("data: ")) return "not a data line: " + LoadTest.abbreviate(line);
        if (sawDone) return "data after [DONE]: " + LoadTest.abbreviate(line);
        blankExpected = true;
        String data = line.substring(6);
        if (data.equals("[DONE]")) {
            if (!sawFinal) return "[DONE] before the final chunk with finish_reason";
            sawDone = true;
            return null;
        }
        if (sawFinal) return "a chunk after the final one: " + LoadTest.abbreviate(data);
        JsonNode j;
        try {
            j = JSON.readTree(data);
        } catch (IOException e) {
            return "event not JSON: " + LoadTest.abbreviate(data);
        }
        if (!"chat.completion.chunk".equals(j.path("object").asText())) return "object is not chat.completion.chunk: " + LoadTest.abbreviate(data);
        String cid = j.path("id").asText("");
        if (cid.isEmpty()) return "chunk without id";
        if (id == null) id = cid;
        else if (!id.equals(cid)) return "chunk id changed from " + id + " to " + cid;
        JsonNode choice = j.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        if (!delta.isObject()) return "chunk without choices[0].delta: " + LoadTest.abbreviate(data);
        events++;
        if (events == 1) return "assistant".equals(delta.path("role").asText()) ? null : "first chunk is not the role delta: " + LoadTest.abbreviate(data);
        JsonNode finish = choice.path("finish_reason");
        if (!finish.isNull() && !finish.isMissingNode()) {
            String f = finish.asText();
            if (!f.equals("stop") && !f.equals("length")) return "finish_reason '" + f + "'";
            JsonNode u = j.path("usage");
            if (!u.path("completion_tokens").isInt()) return "final chunk without usage.completion_tokens: " + LoadTest.abbreviate(data);
            if (!u.path("completion_tokens_details").path("reasoning_tokens").isInt()) return "final chunk without usage.completion_tokens_details.reasoning_tokens";
            completionTokens = u.path("completion_tokens").asInt();
            reasoningTokens = u.path("completion_tokens_details").path("reasoning_tokens").asInt();
            if (reasoningTokens > completionTokens || completionTokens < 1)
                return "usage: " + reasoningTokens + " reasoning of " + completionTokens + " completion tokens";
            if (u.path("total_tokens").asInt() != u.path("prompt_tokens").asInt() + completionTokens) return "usage.total_tokens is not prompt + completion";
            if (!j.path("bgl").path("request_id").isTextual()) return "final chunk without bgl.request_id";
            if (deltas == 0) return "finished without any reasoning_content or content delta";
            sawFinal = true;
            return null;
        }
        boolean r = delta.path("reasoning_content").isTextual(), c = delta.path("content").isTextual();
        if (r == c) return "a delta needs exactly one of reasoning_content and content: " + LoadTest.abbreviate(data);
        if (r && sawAnswer) return "reasoning_content after content began";
        if (c) sawAnswer = true;
        deltas++;
        if (firstToken == 0) firstToken = System.nanoTime();
        return null;
    }

    /** After the last line: null when the stream was complete. */
    String end() {
        if (!sawDone) return sawFinal ? "stream ended without [DONE]" : "stream ended before the final chunk (" + events + " chunks)";
        return null;
    }
}
