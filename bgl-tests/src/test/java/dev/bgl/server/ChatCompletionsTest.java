package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The generation endpoints against the embedded model: shapes, reasoning vs answer, streaming, budgets. */
class ChatCompletionsTest {
    static final String Q = "Add: 17+8+12+5"; // 73 thinking tokens unconstrained, answer 42
    static TestServer s;

    @BeforeAll
    static void up() {
        s = TestServer.start();
    }

    @AfterAll
    static void down() {
        s.close();
    }

    @Test
    void nonStreamAnswerCarriesReasoningAndUsage() {
        var r = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":200"));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", j.get("object").asText());
        assertEquals("bgl-reasoner", j.get("model").asText());
        JsonNode msg = j.at("/choices/0/message");
        assertEquals("assistant", msg.get("role").asText());
        assertFalse(msg.get("reasoning_content").asText().isBlank(), r.body());
        assertFalse(msg.get("content").asText().isBlank(), r.body());
        assertFalse(msg.get("content").asText().contains("</think>"));
        JsonNode u = j.get("usage"), b = j.get("bgl");
        assertEquals(b.get("thinking_tokens").asInt(), u.at("/completion_tokens_details/reasoning_tokens").asInt());
        assertTrue(b.get("thinking_tokens").asInt() > 0);
        assertEquals(u.get("prompt_tokens").asInt() + u.get("completion_tokens").asInt(), u.get("total_tokens").asInt());
        assertTrue(u.get("completion_tokens").asInt() >= b.get("thinking_tokens").asInt() + b.get("answer_tokens").asInt());
        // no budget field and no budget_mode: the policy's budget (InMemoryFeedback: its fixed default), guided
        int suggested = s.get("/v1/budget/suggestion?question=x").json().get("budget_tokens").asInt();
        assertEquals("guided", b.get("mode").asText());
        assertEquals(suggested, b.get("budget_tokens").asInt());
        assertEquals(suggested + "tok", b.get("budget").asText());
        assertEquals("policy", b.get("budget_source").asText());
        assertEquals("fixed default", b.get("budget_reason").asText());
        // the request is stored under the suggested budget, so that its rating teaches the policy
        var rec = s.feedback.request(j.get("id").asText());
        assertEquals(suggested, rec.budgetTokens());
        assertEquals("guided", rec.mode());
        assertEquals(j.get("id").asText(), b.get("request_id").asText());
        assertTrue(b.get("within_budget").asBoolean());
        assertEquals("stop", j.at("/choices/0/finish_reason").asText());
        assertEquals("sum", b.get("task_type").asText());
    }

    @Test
    void streamEqualsNonStream() throws Exception {
        String extra = "\"max_tokens\":200,\"thinking_budget\":40";
        JsonNode whole = s.post("/v1/chat/completions", TestServer.chat(Q, extra)).json();
        var r = s.post("/v1/chat/completions", TestServer.chat(Q, extra + ",\"stream\":true"));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> ev = TestServer.events(r.body());
        assertEquals("[DONE]", ev.getLast());
        StringBuilder thinking = new StringBuilder(), answer = new StringBuilder();
        boolean sawAnswer = false, sawRole = false;
        int predictions = 0;
        int lastSpent = 0;
        for (int i = 0; i < ev.size() - 2; i++) {
            JsonNode c = TestServer.JSON.readTree(ev.get(i));
            assertEquals("chat.completion.chunk", c.get("object").asText());
            JsonNode d = c.at("/choices/0/delta");
            assertTrue(c.at("/choices/0/finish_reason").isNull());
            if (d.has("role")) {
                assertEquals(0, i, "the role comes first");
                sawRole = true;
            } else if (d.has("reasoning_content")) {
                assertFalse(sawAnswer, "thinking after the answer began");
                thinking.append(d.get("reasoning_content").asText());
                assertEquals("thinking", c.at("/bgl/phase").asText());
                JsonNode left = c.at("/bgl/predicted_remaining");
                if (left.isNumber()) {
                    assertTrue(left.asDouble() >= 0, c.toString());
                    predictions++;
                }
            } else {
                sawAnswer = true;
                answer.append(d.get("content").asText());
                assertEquals("answer", c.at("/bgl/phase").asText());
            }
            assertEquals(40, c.at("/bgl/budget_tokens").asInt());
            int spent = c.at("/bgl/thinking_tokens").asInt();
            assertTrue(spent >= lastSpent);
            lastSpent = spent;
        }
        assertTrue(sawRole && sawAnswer);
        assertTrue(predictions > 0, "guided thinking chunks carry the predictor's estimate of the thinking left");
        JsonNode fin = TestServer.JSON.readTree(ev.get(ev.size() - 2));
        assertTrue(fin.at("/choices/0/delta").isEmpty());
        assertEquals(whole.at("/choices/0/finish_reason").asText(), fin.at("/choices/0/finish_reason").asText());
        assertEquals(whole.at("/choices/0/message/reasoning_content").asText(), thinking.toString());
        assertEquals(whole.at("/choices/0/message/content").asText(), answer.toString());
        assertEquals(whole.at("/usage/completion_tokens").asInt(), fin.at("/usage/completion_tokens").asInt());
        assertEquals(whole.at("/bgl/thinking_tokens").asInt(), fin.at("/bgl/thinking_tokens").asInt());
        assertEquals("guided", fin.at("/bgl/mode").asText());
        assertTrue(fin.at("/bgl/predicted_thinking_tokens").isNumber(), fin.toString());
    }

    /**
     * A streamed request without a budget runs under the policy's budget, and it is stored before its
     * final chunk is sent: a rating posted the moment that chunk arrives (before [DONE]) is accepted.
     */
    @Test
    void streamedPolicyRequestCanBeRatedAsSoonAsItsFinalChunkArrives() throws Exception {
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url("/v1/chat/completions")))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestServer.chat(Q, "\"max_tokens\":200,\"stream\":true"))).build();
        var resp = s.http.send(req, java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, resp.statusCode());
        JsonNode fin = null;
        int rated = 0;
        var lines = resp.body().iterator();
        while (lines.hasNext()) {
            String line = lines.next();
            if (!line.startsWith("data: ")) continue;
            if (line.equals("data: [DONE]")) {
                assertNotNull(fin, "the final chunk comes before [DONE]");
                break;
            }
            JsonNode c = TestServer.JSON.readTree(line.substring(6));
            if (c.at("/choices/0/finish_reason").isNull()) continue;
            fin = c;
            // rate now, before reading [DONE]
            rated = s.post("/v1/feedback", "{\"request_id\":\"" + c.get("id").asText() + "\",\"rating\":5,\"tags\":[\"good\"]}").status();
        }
        assertEquals(200, rated, "a rating sent on the final chunk finds its request");
        assertEquals("policy", fin.at("/bgl/budget_source").asText());
        assertEquals("fixed default", fin.at("/bgl/budget_reason").asText());
        assertEquals("guided", fin.at("/bgl/mode").asText());
        int suggested = s.get("/v1/budget/suggestion?question=x").json().get("budget_tokens").asInt();
        assertEquals(suggested, fin.at("/bgl/budget_tokens").asInt());
    }

    /** Every way of giving a budget is read: a tight one spends at most budget + a little, less than no budget. */
    @Test
    void budgetFieldsAndAliasesLimitThinking() {
        JsonNode unlimited = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":300,\"budget_mode\":\"none\"")).json();
        // budget_mode none without a budget: no limit at all, not the policy's budget
        assertEquals("none", unlimited.at("/bgl/mode").asText());
        assertTrue(unlimited.at("/bgl/budget").isNull());
        assertEquals("request", unlimited.at("/bgl/budget_source").asText());
        assertTrue(unlimited.at("/bgl/budget_reason").isNull());
        int free = unlimited.at("/bgl/thinking_tokens").asInt();
        assertTrue(free > 20, "the full thinking should be longer than the tight budget, got " + free);
        for (String field : List.of("\"thinking_budget\":8", "\"thinking_budget_tokens\":8", "\"thinking_token_budget\":8",
                "\"budget\":\"8tok\"", "\"budget\":8", "\"reasoning_effort\":\"low\"")) {
            // every alias under hard (exact bound); guided on two of them (it reads the same parsed budget)
            List<String> modes = field.startsWith("\"thinking_budget\"") || field.contains("effort") ? List.of("hard", "guided") : List.of("hard");
            for (String mode : modes) {
                var r = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":300,\"budget_mode\":\"" + mode + "\"," + field));
                assertEquals(200, r.status(), field + " " + r.body());
                JsonNode b = r.json().get("bgl");
                int budget = b.get("budget_tokens").asInt();
                assertEquals(field.contains("effort") ? 32 : 8, budget, field);
                int spent = b.get("thinking_tokens").asInt();
                assertTrue(spent < free, field + " " + mode + ": " + spent + " vs " + free);
                if (mode.equals("hard")) assertTrue(spent <= budget + 2, field + ": spent " + spent + " of " + budget);
                assertEquals(mode, b.get("mode").asText());
            }
        }
        // seconds: a tiny time budget also shortens the thinking
        var r = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":300,\"budget_mode\":\"hard\",\"thinking_budget_seconds\":0.01"));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().at("/bgl/thinking_tokens").asInt() < free, r.body());
        assertEquals("0.01s", r.json().at("/bgl/budget").asText());
        assertTrue(r.json().at("/bgl/budget_tokens").isNull());
    }

    @Test
    void completionsEndpointAndModels() {
        var r = s.post("/v1/completions", "{\"prompt\":\"" + Q + "\",\"max_tokens\":200}");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertTrue(j.get("id").asText().startsWith("cmpl-"));
        assertEquals("text_completion", j.get("object").asText());
        JsonNode chat = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":200")).json();
        assertEquals(chat.at("/choices/0/message/content").asText(), j.at("/choices/0/text").asText());
        assertEquals(chat.at("/choices/0/message/reasoning_content").asText(), j.at("/choices/0/reasoning_content").asText());

        JsonNode m = s.get("/v1/models").json();
        assertEquals("list", m.get("object").asText());
        assertEquals("bgl-reasoner", m.at("/data/0/id").asText());
        assertEquals("bgl", m.at("/data/0/owned_by").asText());
        assertEquals("ok", s.get("/health").json().get("status").asText());
    }

    @Test
    void maxTokensCutsWithLength() {
        var r = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":5"));
        assertEquals(200, r.status(), r.body());
        assertEquals("length", r.json().at("/choices/0/finish_reason").asText());
        assertEquals(5, r.json().at("/usage/completion_tokens").asInt());
    }
}
