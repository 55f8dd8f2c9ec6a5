package dev.bgl.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** HttpAsker against a stub that answers as API-CONTRACT.md says and records what it was sent. */
class HttpAskerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    HttpServer server;
    final List<JsonNode> chats = new ArrayList<>(), feedback = new ArrayList<>();
    final List<String> auth = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            chats.add(body);
            auth.add(ex.getRequestHeaders().getFirst("Authorization"));
            Integer b = body.has("thinking_budget") ? body.get("thinking_budget").asInt() : 48; // 48: "the policy's choice"
            String resp = """
                    {"id":"chatcmpl-ab12","object":"chat.completion","created":1,"model":"bgl-reasoner",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"Answer: 7","reasoning_content":"1+6=7"},"finish_reason":"stop"}],
                     "usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14,"completion_tokens_details":{"reasoning_tokens":6}},
                     "bgl":{"request_id":"chatcmpl-ab12","mode":"guided","budget":null,"budget_tokens":%d,"thinking_tokens":6,"answer_tokens":3,
                            "seconds":0.25,"within_budget":true,"intervened":false,"predicted_thinking_tokens":null,"task_type":"sum"}}
                    """.formatted(b);
            send(ex, 200, resp);
        });
        server.createContext("/v1/feedback", ex -> {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            feedback.add(body);
            if (body.path("request_id").asText().equals("chatcmpl-ab12")) send(ex, 200, "{\"ok\":true}");
            else send(ex, 404, "{\"error\":{\"message\":\"unknown request_id\",\"type\":\"not_found_error\",\"param\":\"request_id\",\"code\":null}}");
        });
        server.start();
    }

    static void send(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws java.io.IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void asksWithoutABudgetSoTheServerChoosesAndRates() {
        var a = new HttpAsker(url(), null);
        var ans = a.ask("Add: 1+6", null, "alice");
        JsonNode sent = chats.getFirst();
        assertEquals("alice", sent.path("user").asText());
        assertEquals("Add: 1+6", sent.path("messages").path(0).path("content").asText());
        assertFalse(sent.has("thinking_budget") || sent.has("budget") || sent.has("budget_mode") || sent.has("reasoning_effort"),
                "no budget field at all: " + sent);
        assertEquals(new Asker.Answer("chatcmpl-ab12", "Answer: 7", true, 6, 3, 0.25, 48), ans);
        assertNull(auth.getFirst());

        assertTrue(a.rate(ans.requestId(), "alice", 4, List.of("good")));
        JsonNode fb = feedback.getFirst();
        assertEquals("chatcmpl-ab12", fb.path("request_id").asText());
        assertEquals(4, fb.path("rating").asInt());
        assertEquals("good", fb.path("tags").path(0).asText());
        assertFalse(a.rate("chatcmpl-unknown", "alice", 4, List.of()), "404 on feedback: unknown id");
    }

    @Test
    void sendsTheBudgetAndTheKeyWhenGiven() {
        var ans = new HttpAsker(url(), "k1").ask("Add: 1+6", 64, "bob");
        assertEquals(64, chats.getFirst().path("thinking_budget").asInt());
        assertEquals("Bearer k1", auth.getFirst());
        assertEquals(64, ans.budgetTokens());
    }

    @Test
    void badUrlsAndDeadServersAreOneLineErrors() {
        assertThrows(BglException.class, () -> new HttpAsker("ftp://x", null));
        server.stop(0);
        var e = assertThrows(BglException.class, () -> new HttpAsker(url(), null).ask("q", null, "u"));
        assertTrue(e.getMessage().startsWith("server http://127.0.0.1:"), e.getMessage());
    }
}
