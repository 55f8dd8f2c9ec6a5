package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The server keeps the budgets it is asked for, reports the answer phase strictly, and refuses budgets it cannot keep. */
class StrictBudgetServerTest {
    static TestServer s;

    @BeforeAll
    static void up() {
        s = TestServer.start();
    }

    @AfterAll
    static void down() {
        s.close();
    }

    static JsonNode ask(String question, String extra) {
        TestServer.Reply r = s.post("/v1/chat/completions", TestServer.chat(question, extra));
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    @Test
    void aGuidedBudgetIsKeptByDefaultAndTheResponseSaysHow() {
        JsonNode b = ask("Multiply: 4821*7", "\"thinking_budget\":20").get("bgl");
        assertEquals("guided", b.get("mode").asText());
        assertTrue(b.get("thinking_tokens").asInt() <= 20, b.toString());
        assertTrue(b.get("within_budget").asBoolean(), b.toString());
        assertEquals("ceiling", b.get("budget_kept").asText());
        assertEquals(0, b.get("ceiling_grace").asInt());
        assertFalse(b.get("answer_overrun").asBoolean());
        assertTrue(b.get("answer_max_tokens").asInt() >= 1);
        assertFalse(b.get("stop_reason").asText().isEmpty());
    }

    @Test
    void aSoftBudgetIsAskedForExplicitly() {
        JsonNode b = ask("Multiply: 4821*7", "\"thinking_budget\":20,\"soft_budget\":true").get("bgl");
        assertEquals("soft", b.get("budget_kept").asText());
        assertFalse(b.has("ceiling_grace"));
        // soft: the thinking may pass the budget; within_budget then says so
        assertEquals(b.get("thinking_tokens").asInt() <= 20 && !b.get("answer_overrun").asBoolean(), b.get("within_budget").asBoolean());
    }

    @Test
    void budgetZeroMeansNoThinkingInEveryMethod() {
        for (String mode : new String[]{"hard", "qwen-stop", "s1", "guided", "prompt"}) {
            JsonNode r = ask("Add: 17+8+12+5", "\"thinking_budget\":0,\"budget_mode\":\"" + mode + "\"");
            JsonNode b = r.get("bgl");
            assertEquals(0, b.get("thinking_tokens").asInt(), mode + ": " + r);
            assertEquals("", r.at("/choices/0/message/reasoning_content").asText(""), mode);
            assertFalse(r.at("/choices/0/message/content").asText().contains("</think>"), mode + ": " + r);
        }
    }

    @Test
    void maxTokensBelowTheBudgetPlusTheAnswerReserveIsRefused() {
        TestServer.Reply r = s.post("/v1/chat/completions", TestServer.chat("Add: 17+8+12+5", "\"thinking_budget\":100,\"max_tokens\":110"));
        assertEquals(400, r.status(), r.body());
        assertEquals("max_tokens", r.json().at("/error/param").asText());
        assertTrue(r.json().at("/error/message").asText().contains("at least " + (100 + RequestParser.ANSWER_RESERVE_TOKENS)), r.body());
        // enough room: accepted
        assertEquals(200, s.post("/v1/chat/completions", TestServer.chat("Add: 17+8+12+5",
                "\"thinking_budget\":100,\"max_tokens\":" + (100 + RequestParser.ANSWER_RESERVE_TOKENS))).status());
    }

    @Test
    void aKvBudgetTooSmallForAnAnswerIsA400NamingBudget() {
        TestServer.Reply r = s.post("/v1/chat/completions", TestServer.chat("Add: 17+8+12+5", "\"budget\":\"30KB\""));
        assertEquals(400, r.status(), r.body());
        assertEquals("budget", r.json().at("/error/param").asText());
        assertTrue(r.json().at("/error/message").asText().contains("give at least"), r.body());
    }
}
