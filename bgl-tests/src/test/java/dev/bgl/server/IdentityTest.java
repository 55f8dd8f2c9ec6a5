package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each principal's data is their own: requests, history and ratings belong to the API key or, without keys, to the
 * signed session cookie; nobody reads or rates another's; an admin key sees and rates all; per-principal rate limits
 * answer 429 with Retry-After.
 */
class IdentityTest {
    static final String QUICK = "\"thinking_budget\":0,\"max_tokens\":24"; // no thinking, and room for the answer's reserve

    /** A caller with its own cookie jar (a browser, or curl -c/-b) and optional headers. */
    record Caller(TestServer s, HttpClient http, String[] headers) {
        static Caller browser(TestServer s, String... headers) {
            return new Caller(s, HttpClient.newBuilder().cookieHandler(new CookieManager()).build(), headers);
        }

        TestServer.Reply post(String path, String body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url(path))).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new TestServer.Reply(r.statusCode(), r.body(), r);
        }

        JsonNode summary() throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url("/v1/feedback/summary")));
            for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
            return TestServer.JSON.readTree(http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body());
        }

        String ask() throws Exception {
            TestServer.Reply r = post("/v1/chat/completions", TestServer.chat("Add: 1+2", QUICK));
            assertEquals(200, r.status(), r.body());
            return r.json().get("id").asText();
        }

        TestServer.Reply rate(String id, String extra) throws Exception {
            return post("/v1/feedback", "{\"request_id\":\"" + id + "\",\"rating\":1" + extra + "}");
        }
    }

    @Test
    void sessionsOwnTheirRequestsHistoryAndRatings() throws Exception {
        try (TestServer s = TestServer.start()) {
            Caller alice = Caller.browser(s), mallory = Caller.browser(s);
            String a = alice.ask();
            assertEquals(0, mallory.summary().get("requests").asInt(), "a fresh browser sees no one else's history");
            for (String extra : new String[]{"", ",\"user\":\"alice\""}) {
                TestServer.Reply r = mallory.rate(a, extra);
                assertEquals(403, r.status(), r.body());
                assertEquals("permission_error", r.json().at("/error/type").asText());
                assertEquals("request_id", r.json().at("/error/param").asText());
            }
            // a forged cookie is no session: the caller gets a new one and still cannot rate
            Caller forger = Caller.browser(s, "Cookie", "bgl_session=s" + "0".repeat(24) + ".forged");
            assertEquals(403, forger.rate(a, "").status());
            assertEquals(200, alice.rate(a, "").status());
            JsonNode mine = alice.summary();
            assertEquals(1, mine.get("requests").asInt());
            assertEquals(1, mine.get("ratings").asInt());
            assertEquals(0, mallory.summary().get("ratings").asInt());
            assertEquals(1, s.feedback.summary().ratings(), "mallory's tries stored nothing");
        }
    }

    @Test
    void keysOwnTheirDataAndAnAdminSeesAll() throws Exception {
        ServerConfig c = ServerConfig.local(TestServer.MODEL_ID).withKeys(List.of("k-alice", "k-mallory"))
                .withGuard(Guard.defaults().withAdminKeys(List.of("k-admin")));
        try (TestServer s = TestServer.start(c)) {
            Caller alice = Caller.browser(s, "Authorization", "Bearer k-alice");
            Caller mallory = Caller.browser(s, "Authorization", "Bearer k-mallory");
            Caller admin = Caller.browser(s, "Authorization", "Bearer k-admin");
            String a = alice.ask();
            String m = mallory.ask();
            assertEquals(1, mallory.summary().get("requests").asInt(), "key B sees only its own request");
            assertEquals(403, mallory.rate(a, "").status());
            assertEquals(403, alice.rate(m, "").status());
            assertEquals(200, alice.rate(a, "").status());
            assertEquals(2, admin.summary().get("requests").asInt(), "the admin sees everyone's");
            assertEquals(200, admin.rate(m, "").status(), "the admin may rate any request");
            assertEquals(1, alice.summary().get("ratings").asInt());
        }
    }

    @Test
    void perPrincipalRateLimitsAnswer429WithRetryAfter() throws Exception {
        ServerConfig c = ServerConfig.local(TestServer.MODEL_ID).withGuard(Guard.defaults().withRateLimits(3, 2));
        try (TestServer s = TestServer.start(c)) {
            Caller alice = Caller.browser(s), bob = Caller.browser(s);
            // the page gives the session; a call without one counts against the address (sessions cost nothing to mint)
            alice.http().send(HttpRequest.newBuilder(URI.create(s.url("/"))).build(), HttpResponse.BodyHandlers.discarding());
            String id = alice.ask();
            alice.ask();
            alice.ask();
            TestServer.Reply over = alice.post("/v1/chat/completions", TestServer.chat("Add: 1+2", QUICK));
            assertEquals(429, over.status(), over.body());
            assertEquals("rate_limit_error", over.json().at("/error/type").asText());
            int retry = Integer.parseInt(over.raw().headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retry >= 1 && retry <= 20, "Retry-After " + retry);
            assertEquals(200, alice.rate(id, "").status());
            assertEquals(200, alice.rate(id, "").status());
            TestServer.Reply tooMany = alice.rate(id, "");
            assertEquals(429, tooMany.status(), tooMany.body());
            assertTrue(tooMany.raw().headers().firstValue("Retry-After").isPresent());
            bob.http().send(HttpRequest.newBuilder(URI.create(s.url("/"))).build(), HttpResponse.BodyHandlers.discarding());
            bob.ask(); // another principal has its own allowance
        }
    }
}
