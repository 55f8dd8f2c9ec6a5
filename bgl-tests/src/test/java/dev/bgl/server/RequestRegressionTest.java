package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bodies the validation properties found or that the issue names (CVE-style extremes): each is a
 * 4xx naming its problem, never a 5xx; a few odd but valid ones are served.
 */
class RequestRegressionTest {
    static TestServer s;

    @BeforeAll
    static void up() {
        s = TestServer.start();
    }

    @AfterAll
    static void down() {
        s.close();
    }

    private static JsonNode expect400(String param, String body) {
        TestServer.Reply r = s.post("/v1/chat/completions", body);
        assertEquals(400, r.status(), body + " -> " + r.body());
        JsonNode e = r.json().get("error");
        assertEquals("invalid_request_error", e.get("type").asText(), r.body());
        if (param == null) assertTrue(e.get("param").isNull(), r.body());
        else assertEquals(param, e.get("param").asText(), r.body());
        return e;
    }

    private static String chat(String extra) {
        return TestServer.chat("What is 2 + 3?", extra);
    }

    @Test
    void samplerValuesThatRoundToAFloatEdgeAre400NotA500() {
        // found by the property: 4.9e-324 is > 0 as a double but 0 as the sampler's float
        expect400("top_p", chat("\"temperature\":0.5,\"top_p\":4.9e-324"));
        expect400("min_p", chat("\"temperature\":0.5,\"min_p\":0.9999999999999999"));
    }

    @Test
    void conversationsTheBudgetMethodCannotTakeAre400NotA500() {
        // found by the property: budget_mode prompt writes the budget into the last user message
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}],"
                + "\"thinking_budget\":5,\"budget_mode\":\"prompt\",\"max_tokens\":40}";
        JsonNode e = expect400("messages", body);
        assertTrue(e.get("message").asText().contains("last message"), e.toString());
    }

    @Test
    void loneSurrogatesAre400EvenWhereTheValueIsQuotedBack() {
        // the 404 for an unknown model quotes the name; a lone surrogate there cannot be written as UTF-8
        expect400(null, chat("\"model\":\"x\\ud800\""));
        expect400(null, chat("\"reasoning_effort\":\"\\udc00\""));
        expect400(null, "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\ud83d\"}]}");
        expect400(null, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x\\udfff\":1}");
    }

    @Test
    void errorsSpeakOfTheRequestNotOfLibrariesAndNameTheirField() {
        // issue 22: Jackson's hints name its own settings, which a client cannot change
        for (String body : List.of(chat("\"temperature\":NaN"), chat("\"extra\":" + "[".repeat(JsonBody.MAX_DEPTH + 1) + "]".repeat(JsonBody.MAX_DEPTH + 1)))) {
            String m = expect400(null, body).get("message").asText();
            assertFalse(m.contains("`") || m.contains("Feature") || m.contains("Constraints"), m);
        }
        // one range for any max_tokens over the limit, however large
        String big = expect400("max_tokens", chat("\"max_tokens\":1e12")).get("message").asText();
        String over = expect400("max_tokens", chat("\"max_tokens\":500000")).get("message").asText();
        assertEquals(over.replace("500000", "X"), big.replace("1.0E12", "X").replace("1e12", "X"), big + " / " + over);
        // a KV budget too small for an answer names the field
        expect400("budget", chat("\"budget\":\"1B\""));
        expect400("budget", chat("\"budget\":\"10KB\""));
    }

    @Test
    void jsonLimitsAreExplicit() {
        assertTrue(expect400(null, chat("\"n\":1,\"n\":2")).get("message").asText().contains("Duplicate field 'n'"));
        expect400(null, chat("\"extra\":" + "[".repeat(JsonBody.MAX_DEPTH + 1) + "]".repeat(JsonBody.MAX_DEPTH + 1)));
        expect400(null, chat("\"extra\":" + "[".repeat(100_000)));
        expect400(null, chat("\"seed\":" + "9".repeat(JsonBody.MAX_NUMBER_CHARS + 1)));
        expect400(null, chat("\"x" + "y".repeat(JsonBody.MAX_NAME_CHARS) + "\":1"));
        expect400(null, chat("\"temperature\":NaN"));
        expect400(null, chat("\"temperature\":Infinity"));
        expect400(null, chat("") + " {}");
        expect400(null, chat("") + "garbage");
    }

    @Test
    void extremeNumbersAreNamed() {
        expect400("temperature", chat("\"temperature\":1e400"));
        expect400("temperature", chat("\"temperature\":\"NaN\""));
        expect400("max_tokens", chat("\"max_tokens\":9223372036854775808"));
        expect400("max_tokens", chat("\"max_tokens\":-9223372036854775809"));
        expect400("thinking_budget", chat("\"thinking_budget\":1e400"));
        expect400("thinking_budget_seconds", chat("\"thinking_budget_seconds\":1e-400"));
        expect400("seed", chat("\"seed\":18446744073709551616"));
        expect400("top_k", chat("\"top_k\":2147483648"));
        expect400("budget", chat("\"budget\":\"1e400s\""));
        expect400("budget", chat("\"budget\":\"1e400MB\""));
        expect400("budget", chat("\"budget\":\"1e400FLOP\""));
        expect400("budget", chat("\"budget\":\"" + "9".repeat(200) + "\""));
        expect400("budget", chat("\"budget\":123456789012345678901234567890"));
        expect400("budget", chat("\"budget\":\"5s,5s\""));
        expect400("budget", chat("\"budget\":\"300furlongs\""));
    }

    @Test
    void oddButValidBodiesAreServed() {
        TestServer.Reply r = s.post("/v1/chat/completions",
                TestServer.chat("nul \u0000 bidi \u202E bom \uFEFF astral \uD83D\uDE00", "\"max_tokens\":-0.0e0,\"max_tokens\":4"));
        assertEquals(400, r.status(), "a duplicate key is refused even when the last value is fine: " + r.body());
        r = s.post("/v1/chat/completions", TestServer.chat("nul \u0000 bidi \u202E bom \uFEFF astral \uD83D\uDE00", "\"max_tokens\":4.0,\"seed\":-0"));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().at("/usage/completion_tokens").asInt() <= 4, r.body());
    }
}
