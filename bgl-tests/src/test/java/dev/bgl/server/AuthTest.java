package dev.bgl.server;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** With API keys, /v1/* and /metrics need one; /health and the page do not; the principal is the key, whatever the body's user says. */
class AuthTest {
    @Test
    void keysAreRequiredWhereTheContractSays() {
        try (TestServer s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withKeys(List.of("sekrit", "other")))) {
            String body = TestServer.chat("What is 2 + 3?", "\"max_tokens\":40");
            for (String[] h : new String[][]{{}, {"Authorization", "Bearer wrong"}, {"Authorization", "sekrit"}}) {
                TestServer.Reply r = s.post("/v1/chat/completions", body, h);
                assertEquals(401, r.status(), r.body());
                assertEquals("authentication_error", r.json().at("/error/type").asText());
            }
            assertEquals(401, s.get("/metrics").status());
            assertEquals(401, s.get("/v1/models").status());
            assertEquals(200, s.get("/health").status());
            assertEquals(200, s.get("/").status());
            TestServer.Reply ok = s.post("/v1/chat/completions", body, "Authorization", "Bearer sekrit");
            assertEquals(200, ok.status(), ok.body());
            assertEquals(200, s.get("/metrics", "Authorization", "Bearer other").status());
            String id = ok.json().get("id").asText();
            // recorded under key-<8 hex of sha256(key)>: a body's user is no identity
            assertEquals("key-" + Access.sha256Hex("sekrit").substring(0, 8), s.feedback.request(id).userId());
            assertEquals(200, s.post("/v1/feedback", "{\"request_id\":\"" + id + "\",\"rating\":5,\"user\":\"mallory\"}",
                    "Authorization", "Bearer sekrit").status());
        }
    }
}
