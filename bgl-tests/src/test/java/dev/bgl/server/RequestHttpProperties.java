package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The same random and extreme bodies over HTTP against a real server with the embedded model:
 * every answer is 4xx or 200, never 5xx; a 200 generated no more than the max_tokens asked for
 * (or the server's per-request cap when none was given), streamed or not.
 */
class RequestHttpProperties {
    static final int CAP = 32;
    static TestServer s;
    static final Map<Integer, Integer> statuses = new TreeMap<>();

    @BeforeContainer
    static void up() {
        s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withResourceLimits(CAP, 0, 0));
    }

    @AfterContainer
    static void down() {
        System.out.println("HTTP request property: statuses " + statuses);
        s.close();
    }

    @Provide
    Arbitrary<RequestGen.Body> bodies() {
        return RequestGen.bodies();
    }

    @Property(tries = 200, seed = "20261128")
    void everyAnswerIs4xxOr200WithinMaxTokens(@ForAll("bodies") RequestGen.Body body) throws Exception {
        check(body);
    }

    /** The long run: {@code -Dbgl.requests.long=true}. */
    @Property(tries = 5000)
    @net.jqwik.api.lifecycle.AddLifecycleHook(LongRunOnly.class)
    void everyAnswerIs4xxOr200WithinMaxTokensLong(@ForAll("bodies") RequestGen.Body body) throws Exception {
        check(body);
    }

    static void check(RequestGen.Body body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.url(body.chat() ? "/v1/chat/completions" : "/v1/completions")))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes())).build();
        HttpResponse<String> r;
        try {
            r = s.http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("no answer for " + body, e);
        }
        int status = r.statusCode();
        synchronized (statuses) {
            statuses.merge(status, 1, Integer::sum);
        }
        Statistics.label("status").collect(status);
        assertTrue(status == 200 || status >= 400 && status < 500, "status " + status + ": " + r.body() + " for " + body);
        if (status != 200) {
            assertNotNull(TestServer.JSON.readTree(r.body()).get("error"), r.body());
            return;
        }
        JsonNode sent = TestServer.JSON.readTree(body.bytes());
        int asked = sent.has("max_completion_tokens") && !sent.get("max_completion_tokens").isNull() ? sent.get("max_completion_tokens").asInt()
                : sent.has("max_tokens") && !sent.get("max_tokens").isNull() ? sent.get("max_tokens").asInt() : CAP;
        JsonNode usage;
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            List<String> events = TestServer.events(r.body());
            assertEquals("[DONE]", events.getLast(), r.body());
            usage = TestServer.JSON.readTree(events.get(events.size() - 2)).get("usage");
        } else {
            usage = TestServer.JSON.readTree(r.body()).get("usage");
        }
        int generated = usage.get("completion_tokens").asInt();
        assertTrue(generated >= 0 && generated <= asked, generated + " tokens generated, " + asked + " asked, for " + body);
    }
}
