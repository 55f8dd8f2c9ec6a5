package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input answers 4xx with the contract's error object; metrics, feedback and the page. */
class ServerErrorsTest {
    static TestServer s;

    @BeforeAll
    static void up() {
        s = TestServer.start();
    }

    @AfterAll
    static void down() {
        s.close();
    }

    private static void expect(int status, String type, String param, String code, TestServer.Reply r) {
        assertEquals(status, r.status(), r.body());
        JsonNode e = r.json().get("error");
        assertNotNull(e, r.body());
        assertEquals(type, e.get("type").asText(), r.body());
        if (param == null) assertTrue(e.get("param").isNull(), r.body());
        else assertEquals(param, e.get("param").asText(), r.body());
        if (code != null) assertEquals(code, e.get("code").asText(), r.body());
        assertFalse(e.get("message").asText().isBlank());
    }

    private static TestServer.Reply chat(String extra) {
        return s.post("/v1/chat/completions", TestServer.chat("What is 2 + 3?", extra));
    }

    @Test
    void badFieldsAreNamed() {
        String bad = "invalid_request_error";
        expect(400, bad, null, null, s.post("/v1/chat/completions", "{not json"));
        expect(400, bad, null, null, s.post("/v1/chat/completions", "[1,2]"));
        expect(400, bad, null, null, s.post("/v1/chat/completions", ""));
        expect(400, bad, "messages", null, s.post("/v1/chat/completions", "{\"messages\":[]}"));
        expect(400, bad, "messages", null, s.post("/v1/chat/completions", "{}"));
        expect(400, bad, "messages[0].content", null, s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":5}]}"));
        expect(400, bad, "messages[0].role", null, s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}"));
        expect(400, bad, "max_tokens", null, chat("\"max_tokens\":0"));
        expect(400, bad, "max_tokens", null, chat("\"max_tokens\":100000000"));
        expect(400, bad, "max_tokens", null, chat("\"max_tokens\":\"ten\""));
        expect(400, bad, "max_tokens", null, chat("\"max_tokens\":2.5"));
        expect(400, bad, "temperature", null, chat("\"temperature\":3"));
        expect(400, bad, "temperature", null, chat("\"temperature\":-0.1"));
        expect(400, bad, "top_p", null, chat("\"top_p\":0"));
        expect(400, bad, "top_k", null, chat("\"top_k\":-1"));
        expect(400, bad, "seed", null, chat("\"seed\":\"x\""));
        expect(400, bad, "stream", null, chat("\"stream\":\"yes\""));
        expect(400, bad, "thinking_budget", null, chat("\"thinking_budget\":-5"));
        expect(400, bad, "thinking_budget", null, chat("\"thinking_budget\":1e12"));
        expect(400, bad, "thinking_budget_tokens", null, chat("\"thinking_budget\":5,\"thinking_budget_tokens\":6"));
        expect(400, bad, "thinking_budget_seconds", null, chat("\"thinking_budget_seconds\":0"));
        expect(400, bad, "thinking_budget_seconds", null, chat("\"thinking_budget_seconds\":7200"));
        expect(400, bad, "budget", null, chat("\"budget\":\"12parsecs\""));
        expect(400, bad, "budget", null, chat("\"budget\":\"-3\""));
        expect(400, bad, "budget", null, chat("\"budget\":[1]"));
        expect(400, bad, "budget", null, chat("\"budget\":\"99999999999tok\""));
        expect(400, bad, "budget_mode", null, chat("\"thinking_budget\":5,\"budget_mode\":\"psychic\""));
        expect(400, bad, "budget_mode", null, chat("\"budget_mode\":\"hard\""));
        expect(400, bad, "reasoning_effort", null, chat("\"reasoning_effort\":\"extreme\""));
        expect(400, bad, "user", null, chat("\"user\":42"));
        expect(400, bad, "n", null, chat("\"n\":2"));
        expect(400, bad, "prompt", null, s.post("/v1/completions", "{\"prompt\":7}"));
        expect(404, "not_found_error", "model", "model_not_found", chat("\"model\":\"gpt-9\""));
        expect(404, "not_found_error", null, null, s.post("/v1/nothing", "{}"));
        expect(404, "not_found_error", null, null, s.get("/v1/nothing"));
    }

    @Test
    void promptLongerThanTheContextIsRefusedBeforePrefill() {
        int context = s.model.defaultContext();
        String longQ = "1 + ".repeat(context) + "1";
        TestServer.Reply r = s.post("/v1/chat/completions", TestServer.chat(longQ, "\"max_tokens\":5"));
        expect(400, "invalid_request_error", "messages", "context_length_exceeded", r);
    }

    @Test
    void bodyLargerThanTheLimitIs413() {
        String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat((int) ServerConfig.DEFAULT_MAX_BODY_BYTES) + "\"}]}";
        assertEquals(413, s.postAwaitingContinue("/v1/chat/completions", big).status());
    }

    @Test
    void metricsCountRequestsInPrometheusText() {
        Map<String, Double> before = parse(s.get("/metrics").body());
        assertEquals(200, chat("\"max_tokens\":30").status());
        assertEquals(400, chat("\"max_tokens\":0").status());
        TestServer.Reply m = s.get("/metrics");
        assertTrue(m.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        Map<String, Double> after = parse(m.body());
        String ok = "bgl_http_requests_total{path=\"/v1/chat/completions\",status=\"200\"}";
        String bad = "bgl_http_requests_total{path=\"/v1/chat/completions\",status=\"400\"}";
        assertEquals(before.getOrDefault(ok, 0.0) + 1, after.get(ok));
        assertEquals(before.getOrDefault(bad, 0.0) + 1, after.get(bad));
        assertTrue(after.get("bgl_completion_tokens_total") >= before.getOrDefault("bgl_completion_tokens_total", 0.0) + 1);
        assertTrue(after.get("bgl_generation_seconds_count") >= 1);
        assertEquals(after.get("bgl_generation_seconds_count"), after.get("bgl_generation_seconds_bucket{le=\"+Inf\"}"));
        assertEquals(0.0, after.get("bgl_in_flight"));
        assertEquals(0.0, after.get("bgl_queue_length"));
        assertNotNull(after.get("bgl_budget_requests_total{within_budget=\"true\"}"));
    }

    /** Parses the text format strictly enough: every sample line is NAME{LABELS} VALUE, each metric has TYPE. */
    static Map<String, Double> parse(String text) {
        Pattern sample = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*\\})? (-?[0-9.eE+-]+|\\+Inf|NaN)");
        Map<String, Double> out = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                assertTrue(List.of("counter", "gauge", "histogram").contains(p[3]), line);
                types.put(p[2], p[3]);
                continue;
            }
            if (line.startsWith("#") || line.isEmpty()) continue;
            Matcher m = sample.matcher(line);
            assertTrue(m.matches(), "not a Prometheus sample: " + line);
            String base = m.group(1).replaceFirst("_(bucket|sum|count)$", "");
            assertTrue(types.containsKey(m.group(1)) || types.containsKey(base), "no TYPE before " + line);
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3).replace("+Inf", "Infinity")));
        }
        return out;
    }

    @Test
    void feedbackRoundTrip() {
        JsonNode r = chat("\"max_tokens\":60,\"user\":\"alice\"").json();
        String id = r.get("id").asText();
        long before = s.get("/v1/feedback/summary").json().get("ratings").asLong();
        TestServer.Reply ok = s.post("/v1/feedback", "{\"request_id\":\"" + id + "\",\"rating\":4,\"tags\":[\"good\",\"too_long\"],\"comment\":\"fine\"}");
        assertEquals(200, ok.status(), ok.body());
        assertTrue(ok.json().get("ok").asBoolean());
        JsonNode sum = s.get("/v1/feedback/summary").json();
        assertEquals(before + 1, sum.get("ratings").asLong());
        assertTrue(sum.get("requests").asLong() >= 1);
        assertTrue(sum.get("mean_rating").asDouble() >= 1 && sum.get("mean_rating").asDouble() <= 5);
        assertTrue(sum.get("mean_thinking_tokens").isNumber());
        assertFalse(sum.get("over_time").isEmpty());
        assertTrue(sum.at("/over_time/0/start").asLong() > 0);
        expect(404, "not_found_error", "request_id", null, s.post("/v1/feedback", "{\"request_id\":\"chatcmpl-nope\",\"rating\":3}"));
        expect(400, "invalid_request_error", "rating", null, s.post("/v1/feedback", "{\"request_id\":\"" + id + "\",\"rating\":6}"));
        expect(400, "invalid_request_error", "tags", null, s.post("/v1/feedback", "{\"request_id\":\"" + id + "\",\"rating\":3,\"tags\":[\"meh\"]}"));

        JsonNode sug = s.get("/v1/budget/suggestion?question=What%20is%202%20%2B%203%3F").json();
        assertEquals(128, sug.get("budget_tokens").asInt());
        assertEquals("guided", sug.get("mode").asText());
        assertEquals("sum", sug.get("task_type").asText());
        assertEquals("fixed default", sug.get("reason").asText());
    }

    @Test
    void rootServesAPageAndSetsTheSessionCookie() throws Exception {
        // a client without a cookie jar: a new browser
        java.net.http.HttpClient fresh = java.net.http.HttpClient.newHttpClient();
        var r = fresh.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url("/"))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String cookie = r.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(cookie.matches("bgl_session=s[0-9a-f]{24}\\.[A-Za-z0-9_-]+;.*HttpOnly.*"), cookie);
        TestServer.Reply again = s.get("/", "Cookie", cookie.substring(0, cookie.indexOf(';')));
        assertTrue(again.raw().headers().firstValue("Set-Cookie").isEmpty(), "a known session keeps its cookie");
        assertEquals(404, s.get("/nothing.js").status());
        assertEquals(404, s.get("/..%2Fpom.xml").status(), "nothing outside /web/ is served");
    }
}
