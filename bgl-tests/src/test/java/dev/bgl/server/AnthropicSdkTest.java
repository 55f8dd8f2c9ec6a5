package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Anthropic's official SDK ({@code @anthropic-ai/sdk} from npm, installed into tools/anthropic-sdk
 * by ./test) against a real server on loopback: /v1/messages streaming and not, with thinking
 * enabled (its budget_tokens the thinking budget) and disabled, gives the thinking and the answer
 * the OpenAI endpoint gives for the same greedy request; tools and images get a clear 400.
 */
class AnthropicSdkTest {
    static final String Q = "Add: 17+8+12+5";

    @Test
    void theSdkReadsWhatTheChatEndpointAnswers() throws Exception {
        Path root = TestServer.repoRoot();
        Path tool = root.resolve("tools/anthropic-sdk");
        Assumptions.assumeTrue(Files.isDirectory(tool.resolve("node_modules/@anthropic-ai/sdk")),
                "skipped: @anthropic-ai/sdk is not installed in tools/anthropic-sdk (./test runs npm ci there; it failed, offline?)");
        try (TestServer s = TestServer.start()) {
            Process p = new ProcessBuilder("node", tool.resolve("messages.mjs").toString(), s.server.url(), Q)
                    .redirectErrorStream(false).start();
            boolean done = p.waitFor(180, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!done) p.destroyForcibly();
            assertTrue(done, "the SDK script did not finish: " + err);
            assertEquals(0, p.exitValue(), err + out);
            JsonNode r = TestServer.JSON.readTree(out);

            JsonNode openai = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":200,\"thinking_budget\":20")).json();
            String thinking = openai.at("/choices/0/message/reasoning_content").asText();
            String answer = openai.at("/choices/0/message/content").asText();
            assertFalse(thinking.isEmpty() || answer.isEmpty(), openai.toString());
            for (String c : List.of("thinking", "streamThinking")) {
                JsonNode m = r.get(c);
                assertEquals(thinking, m.get("thinking").asText(), c);
                assertEquals(answer, m.get("text").asText(), c);
                assertEquals(List.of("thinking", "text"), list(m.get("blocks")), c);
                assertEquals("end_turn", m.get("stop_reason").asText(), c);
                assertEquals(openai.at("/usage/prompt_tokens").asInt(), m.at("/usage/input_tokens").asInt(), c);
                assertEquals(openai.at("/usage/completion_tokens").asInt(), m.at("/usage/output_tokens").asInt(), c);
            }
            JsonNode st = r.get("streamThinking");
            assertEquals(thinking, st.get("thinkingDeltas").asText(), "thinking_delta events carry the thinking");
            assertEquals(answer, st.get("textDeltas").asText(), "text_delta events carry the answer");
            List<String> events = list(st.get("events"));
            assertEquals("message_start", events.getFirst());
            assertEquals(List.of("message_delta", "message_stop"), events.subList(events.size() - 2, events.size()));
            assertTrue(events.containsAll(List.of("content_block_start", "content_block_delta", "content_block_stop")), events.toString());
            assertEquals(20, r.at("/thinking/bgl/budget_tokens").asInt(), "thinking.budget_tokens is the budget");

            JsonNode nothink = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":200,\"budget_mode\":\"nothink\"")).json();
            for (String c : List.of("disabled", "streamDisabled")) {
                JsonNode m = r.get(c);
                assertEquals("", m.get("thinking").asText(), c);
                assertEquals(List.of("text"), list(m.get("blocks")), c);
                assertEquals(nothink.at("/choices/0/message/content").asText(), m.get("text").asText(), c);
            }
            assertEquals(0, r.at("/disabled/bgl/thinking_tokens").asInt());

            for (String c : List.of("tools", "image")) {
                JsonNode e = r.get(c);
                assertEquals(400, e.get("status").asInt(), e.toString());
                assertEquals("error", e.at("/error/type").asText(), e.toString());
                assertEquals("invalid_request_error", e.at("/error/error/type").asText(), e.toString());
                assertTrue(e.at("/error/error/message").asText().contains(c.equals("tools") ? "'tools'" : "'image'"), e.toString());
            }
            assertEquals("messages[0].content[0].type", r.at("/image/error/error/param").asText());
        }
    }

    private static List<String> list(JsonNode a) {
        return java.util.stream.StreamSupport.stream(a.spliterator(), false).map(JsonNode::asText).toList();
    }
}
