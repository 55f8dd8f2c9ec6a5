package dev.bgl.server;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The request generator's bodies (and a few of its own heads), broken the way a bad network or an
 * attacker breaks them, over raw loopback sockets: bodies cut short and half-closed, bad or cut
 * chunking, stalls mid-headers and mid-body, over-long URIs and header blocks, wrong HTTP
 * versions, odd Content-Length values. Every answer is a JSON error with a 4xx (or 505), or a
 * plain 200; never a 5xx, never HTML; and the server counts no 5xx. CI runs a short seeded run;
 * {@code -Dbgl.requests.long=true} adds a long one.
 */
class TransportFaultProperties {
    static TestServer s;
    static final Map<String, Integer> outcomes = new TreeMap<>();

    @BeforeContainer
    static void up() {
        // short deadlines keep the stalls cheap; the guard works the same at the defaults
        s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withResourceLimits(8, 0, 0)
                .withGuard(Guard.defaults().withTimeouts(400, 500, 5000, 16)));
    }

    @AfterContainer
    static void down() {
        System.out.println("transport fault property: outcomes " + outcomes);
        String metrics = s.get("/metrics").body();
        s.close();
        assertFalse(metrics.matches("(?s).*status=\"50[0-4]\".*"), "the server counted a 5xx:\n" + metrics);
    }

    /** One broken exchange: the bytes to send, whether to half-close after them, and what kind of fault it is. */
    record Fault(String kind, byte[] bytes, boolean halfClose) {
        @Override
        public String toString() {
            String t = new String(bytes, StandardCharsets.ISO_8859_1);
            return kind + (halfClose ? " (half-closed) " : " ") + (t.length() > 200 ? t.substring(0, 200) + "..." : t);
        }
    }

    static final String[] PATHS = {"/v1/chat/completions", "/v1/completions", "/v1/feedback"};

    static byte[] concat(String head, byte[] body) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        o.writeBytes(body);
        return o.toByteArray();
    }

    static String post(String path) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n";
    }

    @Provide
    Arbitrary<Fault> faults() {
        Arbitrary<String> path = Arbitraries.of(PATHS);
        Arbitrary<RequestGen.Body> body = RequestGen.bodies();
        Arbitrary<Double> cut = Arbitraries.doubles().between(0, 0.999).ofScale(3);
        Arbitrary<Fault> truncated = Combinators.combine(path, body, cut, Arbitraries.integers().between(1, 10_000)).as((p, b, c, extra) -> {
            int keep = (int) (b.bytes().length * c);
            return new Fault("truncated", concat(post(p) + "Content-Length: " + (b.bytes().length + extra) + "\r\n\r\n",
                    Arrays.copyOf(b.bytes(), keep)), true);
        });
        Arbitrary<Fault> badChunk = Combinators.combine(path, body, Arbitraries.strings().withChars("0123456789abcdefxyzXYZ-;+ ").ofMinLength(1).ofMaxLength(20))
                .as((p, b, size) -> new Fault("bad-chunk-size", concat(post(p) + "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n",
                        concat("", b.bytes())), true));
        Arbitrary<Fault> cutChunk = Combinators.combine(path, body, cut).as((p, b, c) -> new Fault("cut-chunked",
                concat(post(p) + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(b.bytes().length + 1) + "\r\n",
                        Arrays.copyOf(b.bytes(), (int) (b.bytes().length * c))), true));
        Arbitrary<Fault> bodyStall = Combinators.combine(path, body, cut).as((p, b, c) -> new Fault("body-stall",
                concat(post(p) + "Content-Length: " + (b.bytes().length + 1) + "\r\n\r\n", Arrays.copyOf(b.bytes(), (int) (b.bytes().length * c))), false));
        Arbitrary<Fault> headStall = Combinators.combine(path, Arbitraries.integers().between(0, 60)).as((p, n) -> {
            String h = post(p);
            return new Fault("head-stall", h.substring(0, Math.min(h.length(), n)).getBytes(StandardCharsets.ISO_8859_1), false);
        });
        Arbitrary<Fault> longUri = Arbitraries.integers().between(9_000, 40_000).map(n ->
                new Fault("long-uri", RawHttp.ascii("GET /v1/budget/suggestion?question=" + "x".repeat(n) + " HTTP/1.1\r\nHost: a\r\n\r\n"), false));
        Arbitrary<Fault> bigHeaders = Combinators.combine(Arbitraries.integers().between(1, 400), Arbitraries.integers().between(40, 60_000)).as((count, size) -> {
            StringBuilder h = new StringBuilder("GET /v1/models HTTP/1.1\r\nHost: a\r\n");
            int each = Math.max(1, size / count);
            for (int i = 0; i < count && h.length() < 200_000; i++) h.append("X-H").append(i).append(": ").append("v".repeat(each)).append("\r\n");
            return new Fault("big-headers", RawHttp.ascii(h.append("\r\n").toString()), false);
        });
        Arbitrary<Fault> version = Arbitraries.of("HTTP/0.9", "HTTP/2.0", "HTTP/3.0", "HTTP/1.2", "HTTP/9.9", "HTTP/1.1x", "HTTP/", "http/1.1", "FOO/1.0", "")
                .map(v -> new Fault("version", RawHttp.ascii("GET /health " + v + "\r\nHost: a\r\n\r\n"), false));
        Arbitrary<Fault> length = Combinators.combine(path, Arbitraries.of("-1", "-99999999999", "abc", "1e3", "0x10", "99999999999999999999999",
                "5, 6", "", " 2 ", "2\r\nContent-Length: 3")).as((p, v) ->
                new Fault("content-length", RawHttp.ascii(post(p) + "Content-Length: " + v + "\r\n\r\n{}"), false));
        Arbitrary<Fault> garbage = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300).map(b -> new Fault("garbage", b, true));
        Arbitrary<Fault> paths = Arbitraries.of("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/a/%00", "//v1//models", "/v1/models#x",
                "*", "http://evil/v1/models", "/%zz", "/\u00ff").map(u -> new Fault("path", RawHttp.ascii("GET " + u + " HTTP/1.1\r\nHost: a\r\n\r\n"), false));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, truncated), net.jqwik.api.Tuple.of(3, badChunk), net.jqwik.api.Tuple.of(3, cutChunk),
                net.jqwik.api.Tuple.of(1, bodyStall), net.jqwik.api.Tuple.of(1, headStall), net.jqwik.api.Tuple.of(2, longUri),
                net.jqwik.api.Tuple.of(2, bigHeaders), net.jqwik.api.Tuple.of(2, version), net.jqwik.api.Tuple.of(2, length),
                net.jqwik.api.Tuple.of(2, garbage), net.jqwik.api.Tuple.of(2, paths));
    }

    @Property(tries = 150, seed = "20261129", shrinking = net.jqwik.api.ShrinkingMode.OFF)
    void everyFaultIsAJson4xxNeverA5xxOrHtml(@ForAll("faults") Fault f) throws Exception {
        check(f);
    }

    /** The long run: {@code -Dbgl.requests.long=true}. */
    @Property(tries = 3000, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    @AddLifecycleHook(LongRunOnly.class)
    void everyFaultIsAJson4xxNeverA5xxOrHtmlLong(@ForAll("faults") Fault f) throws Exception {
        check(f);
    }

    static void check(Fault f) throws Exception {
        RawHttp.Answer a = RawHttp.exchange(s.server.port(), f.bytes(), f.halfClose(), 10_000);
        String outcome = f.kind() + " " + a.status();
        synchronized (outcomes) {
            outcomes.merge(outcome, 1, Integer::sum);
        }
        Statistics.label("outcome").collect(outcome);
        if (a.status() == -1) return; // closed without a word: allowed for bytes that are no HTTP at all, never an HTML page
        assertFalse(a.body().stripLeading().startsWith("<"), "HTML for " + f + ": " + a);
        assertTrue(a.status() == 200 || a.status() >= 400 && a.status() < 500 || a.status() == 505, "status " + a + " for " + f);
        if (a.status() != 200) {
            assertTrue(a.json(), "not JSON for " + f + ": " + a.head());
            assertNotNull(a.error(), a.body());
        }
    }
}
