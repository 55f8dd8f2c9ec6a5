package dev.bgl.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.bgl.server.RawHttp.ascii;
import static org.junit.jupiter.api.Assertions.*;

/** Each transport fault the issue names, by hand: JSON with the right 4xx, never HTML, never a 5xx in the metrics. */
class TransportFaultsTest {
    static TestServer s;
    static int port;

    @BeforeAll
    static void up() {
        s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withGuard(Guard.defaults().withTimeouts(1000, 1500, 5000, 64)));
        port = s.server.port();
    }

    @AfterAll
    static void down() {
        s.close();
    }

    static RawHttp.Answer send(String raw, boolean halfClose) throws Exception {
        return RawHttp.exchange(port, ascii(raw), halfClose, 10_000);
    }

    static void assertJson(RawHttp.Answer a, int status) {
        assertEquals(status, a.status(), a.toString());
        assertTrue(a.json(), "not JSON: " + a.head() + "\n" + a.body());
        assertNotNull(a.error(), a.body());
        String m = a.error().get("message").asText();
        assertFalse(m.contains("org.eclipse") || m.contains("Exception") || m.contains("jetty"), m);
    }

    static final String CHAT = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";

    @Test
    void bodyShorterThanItsLength() throws Exception {
        assertJson(send(CHAT + "Content-Length: 100\r\n\r\n{\"messages\":", true), 400);
        assertJson(send("POST /v1/feedback HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"request_id\":", true), 400);
    }

    @Test
    void badAndTruncatedChunking() throws Exception {
        assertJson(send(CHAT + "Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n", true), 400);
        assertJson(send(CHAT + "Transfer-Encoding: chunked\r\n\r\n40\r\n{\"messages\":", true), 400);
    }

    @Test
    void stalledBodyIs408() throws Exception {
        long t0 = System.nanoTime();
        RawHttp.Answer a = send(CHAT + "Content-Length: 100\r\n\r\n{\"messages\":", false);
        assertJson(a, 408);
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "took " + (System.nanoTime() - t0) / 1e9 + " s");
    }

    @Test
    void stalledHeadersAre408() throws Exception {
        assertJson(send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n", false), 408);
    }

    @Test
    void longUriAndHeaders() throws Exception {
        assertJson(send("GET /v1/models?q=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", false), 414);
        assertJson(send("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(100_000) + "\r\n\r\n", false), 431);
    }

    @Test
    void badFraming() throws Exception {
        assertJson(send("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", false), 400);
        assertJson(send(CHAT + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", false), 400);
        assertJson(send(CHAT + "Content-Length: -5\r\n\r\n{}", false), 400);
        assertJson(RawHttp.exchange(port, new byte[]{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03}, false, 10_000), 400);
    }

    @Test
    void wrongVersions() throws Exception {
        RawHttp.Answer a = send("GET /\r\n", false);
        assertTrue(a.status() == -1 || a.status() == 505 || a.status() == 400, a.toString());
        if (a.status() > 0) assertJson(a, a.status());
        assertJson(send("GET / HTTP/3.0\r\nHost: x\r\n\r\n", false), 505);
    }

    @Test
    void noFaultCountsAsA5xx() throws Exception {
        bodyShorterThanItsLength();
        badAndTruncatedChunking();
        String metrics = s.get("/metrics").body();
        assertFalse(metrics.matches("(?s).*status=\"5\\d\\d\".*"), metrics);
    }
}
