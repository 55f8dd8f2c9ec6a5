package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.BudgetUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What users of vLLM, Ollama and llama.cpp ask their servers for, answered by bgl's: the thinking
 * under vLLM's new field name too, no empty answers because the thinking ate max_tokens, a server
 * ceiling with per-request budgets below it, and reasoning_effort levels tied to real budgets.
 */
class PeerRequestsTest {
    /** A question the embedded model thinks about for a while (~60-180 tokens). */
    static final String LONG = "Multiply: 4821*7";
    static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    // vLLM removed reasoning_content for reasoning (vLLM docs, reasoning outputs): send both
    @Test
    void theThinkingComesUnderBothNames() throws Exception {
        JsonNode r = s.post("/v1/chat/completions", TestServer.chat("What is 17 + 25?", "\"thinking_budget\":20")).json();
        JsonNode msg = r.at("/choices/0/message");
        assertFalse(msg.get("reasoning_content").asText().isEmpty(), r.toString());
        assertEquals(msg.get("reasoning_content").asText(), msg.path("reasoning").asText(null), r.toString());

        JsonNode c = s.post("/v1/completions", "{\"prompt\":\"What is 17 + 25?\",\"thinking_budget\":20}").json();
        assertEquals(c.at("/choices/0/reasoning_content").asText(), c.at("/choices/0/reasoning").asText(null), c.toString());

        String sse = s.post("/v1/chat/completions", TestServer.chat("What is 17 + 25?", "\"thinking_budget\":20,\"stream\":true")).body();
        StringBuilder a = new StringBuilder(), b = new StringBuilder();
        for (String e : TestServer.events(sse)) {
            if (e.equals("[DONE]")) continue;
            JsonNode d = TestServer.JSON.readTree(e).at("/choices/0/delta");
            if (d.has("reasoning_content")) {
                a.append(d.get("reasoning_content").asText());
                assertEquals(d.get("reasoning_content").asText(), d.path("reasoning").asText(null), e);
            }
            if (d.has("reasoning")) b.append(d.get("reasoning").asText());
        }
        assertFalse(a.isEmpty());
        assertEquals(a.toString(), b.toString());
        assertEquals(msg.get("reasoning").asText(), b.toString(), "the stream's thinking is the non-stream one (greedy)");
    }

    // vLLM #42548, #28266; Ollama #17978: the thinking spends max_tokens and the answer is empty
    @Test
    void maxTokensWithoutABudgetLeavesTheAnswerItsReserve() throws Exception {
        int maxTokens = 48, reserve = MaxTokensBudget.reserve(maxTokens);
        JsonNode r = s.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":" + maxTokens)).json();
        JsonNode b = r.get("bgl");
        assertEquals("max_tokens", b.get("budget_source").asText(), r.toString());
        assertTrue(b.get("budget_reason").asText().contains("max_tokens " + maxTokens), r.toString());
        assertEquals(maxTokens - reserve, b.get("budget_tokens").asInt(), r.toString());
        assertEquals("hard", b.get("mode").asText());
        assertTrue(b.get("thinking_tokens").asInt() <= maxTokens - reserve, r.toString());
        assertFalse(r.at("/choices/0/message/content").asText().isBlank(), "an answer, not an empty one: " + r);

        String sse = s.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":" + maxTokens + ",\"stream\":true")).body();
        List<String> ev = TestServer.events(sse);
        JsonNode fin = TestServer.JSON.readTree(ev.get(ev.size() - 2));
        assertEquals("max_tokens", fin.at("/bgl/budget_source").asText(), fin.toString());
        assertTrue(fin.at("/bgl/answer_tokens").asInt() > 0, fin.toString());

        // a budget the client gave is the client's: left alone here
        JsonNode own = s.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":300,\"thinking_budget\":30")).json();
        assertEquals("request", own.at("/bgl/budget_source").asText());
        assertEquals(30, own.at("/bgl/budget_tokens").asInt());
        // room enough under max_tokens: the policy's budget stands
        JsonNode roomy = s.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":300")).json();
        assertEquals("policy", roomy.at("/bgl/budget_source").asText(), roomy.toString());
    }

    // llama.cpp #23673: a server-wide ceiling, per-request budgets below it
    @Test
    void theServerCeilingCapsWhatRequestsMayAsk() {
        ServerConfig config = ServerConfig.local(TestServer.MODEL_ID).withMaxThinkingBudget(BudgetCeiling.parse("20"));
        try (TestServer c = TestServer.start(config)) {
            JsonNode more = c.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":200,\"thinking_budget\":100,\"budget_mode\":\"hard\"")).json();
            assertEquals(20, more.at("/bgl/budget_tokens").asInt(), more.toString());
            assertTrue(more.at("/bgl/budget_capped").asBoolean(), more.toString());
            assertEquals("20tok", more.at("/bgl/max_thinking_budget").asText());
            assertTrue(more.at("/bgl/thinking_tokens").asInt() <= 22, more.toString());

            JsonNode less = c.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":200,\"thinking_budget\":8,\"budget_mode\":\"hard\"")).json();
            assertEquals(8, less.at("/bgl/budget_tokens").asInt(), less.toString());
            assertFalse(less.at("/bgl/budget_capped").asBoolean(), less.toString());

            JsonNode none = c.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":200,\"budget_mode\":\"none\"")).json();
            assertEquals(20, none.at("/bgl/budget_tokens").asInt(), "no limit asked: the ceiling is the limit " + none);
            assertTrue(none.at("/bgl/budget_capped").asBoolean());

            JsonNode seconds = c.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":200,\"thinking_budget_seconds\":30")).json();
            assertEquals(20, seconds.at("/bgl/budget_tokens").asInt(), "a kind the request did not limit gets the ceiling's " + seconds);
            assertTrue(seconds.at("/bgl/budget").asText().contains("30s"), seconds.toString());
        }
        try (TestServer plain = TestServer.start()) {
            JsonNode r = plain.post("/v1/chat/completions", TestServer.chat(LONG, "\"max_tokens\":200,\"thinking_budget\":100")).json();
            assertTrue(r.at("/bgl/max_thinking_budget").isNull(), r.toString());
            assertFalse(r.at("/bgl/budget_capped").asBoolean());
        }
        var e = assertThrows(dev.bgl.util.BglException.class, () -> BudgetCeiling.parse("5parsecs"));
        assertTrue(e.getMessage().startsWith("--max-thinking-budget: "), e.getMessage());
        assertEquals(List.of(new BudgetUnit.Seconds(5), new BudgetUnit.KvBytes(64_000_000)), BudgetCeiling.parse("5s,64MB"));
    }

    // vLLM #55382: reasoning_effort tied to real budgets, none and minimal included
    @Test
    void reasoningEffortLevelsAreRealBudgets() {
        ServerConfig d = ServerConfig.local(TestServer.MODEL_ID);
        int[] expected = {0, 16, 32, 128, 256};
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], d.effortBudget(ServerConfig.EFFORT_LEVELS.get(i)), ServerConfig.EFFORT_LEVELS.get(i));
        for (int level : expected)
            assertTrue(java.util.Arrays.stream(dev.bgl.server.feedback.PolicyConfig.DEFAULT_LEVELS).anyMatch(x -> x == level),
                    level + " is a level of the learned policy");
        ServerConfig three = new ServerConfig("127.0.0.1", 0, "m", List.of(), 1, 1, ServerConfig.DEFAULT_MAX_BODY_BYTES, new int[]{10, 20, 30});
        assertEquals(0, three.effortBudget("none"));
        assertEquals(10, three.effortBudget("minimal"));
        assertEquals(30, three.effortBudget("HIGH"));
        assertNull(three.effortBudget("extreme"));

        JsonNode none = s.post("/v1/chat/completions", TestServer.chat(LONG, "\"reasoning_effort\":\"none\"")).json();
        assertEquals("nothink", none.at("/bgl/mode").asText(), none.toString());
        assertEquals(0, none.at("/bgl/thinking_tokens").asInt(), none.toString());
        JsonNode minimal = s.post("/v1/chat/completions", TestServer.chat(LONG, "\"reasoning_effort\":\"minimal\"")).json();
        assertEquals(16, minimal.at("/bgl/budget_tokens").asInt(), minimal.toString());
        JsonNode high = s.post("/v1/chat/completions", TestServer.chat(LONG, "\"reasoning_effort\":\"high\"")).json();
        assertEquals(256, high.at("/bgl/budget_tokens").asInt(), high.toString());
    }
}
