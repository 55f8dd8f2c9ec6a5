package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** Generations at once give what they give alone; a full queue answers 429; a client that leaves stops its generation. */
class ConcurrencyTest {
    /** Own threads: the common pool may have one thread on a small machine, which would serialise the requests. */
    static final ExecutorService POOL = Executors.newCachedThreadPool();
    static final List<String> QUESTIONS = List.of("What is 17 + 25?", "How many vowels are in the word banana?");

    private static String answerOf(JsonNode r) {
        return r.at("/choices/0/message/reasoning_content").asText() + "|" + r.at("/choices/0/message/content").asText();
    }

    @Test
    void concurrentRequestsMatchSequentialOnes() throws Exception {
        try (TestServer s = TestServer.start(); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            String extra = "\"max_tokens\":150,\"thinking_budget\":30,\"budget_mode\":\"guided\"";
            List<String> sequential = QUESTIONS.stream().map(q -> answerOf(s.post("/v1/chat/completions", TestServer.chat(q, extra)).json())).toList();
            s.server.engine().testTokenDelayMillis = 2; // makes the two runs overlap for sure
            List<Future<String>> f = QUESTIONS.stream()
                    .map(q -> pool.submit(() -> answerOf(s.post("/v1/chat/completions", TestServer.chat(q, extra)).json()))).toList();
            for (int i = 0; i < QUESTIONS.size(); i++) assertEquals(sequential.get(i), f.get(i).get(), QUESTIONS.get(i));
        }
    }

    @Test
    void fullQueueAnswers429AndQueuedRequestsWait() throws Exception {
        try (TestServer s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withLimits(1, 1));
             GenerationGate gate = GenerationGate.install(s.server, 1)) {
            String body = TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":24");
            CompletableFuture<TestServer.Reply> first = CompletableFuture.supplyAsync(() -> s.post("/v1/chat/completions", body), POOL);
            gate.awaitHeld(); // the first request holds the only slot until released
            CompletableFuture<TestServer.Reply> second = CompletableFuture.supplyAsync(() -> s.post("/v1/chat/completions", body), POOL);
            waitFor(() -> s.server.metrics().queued() == 1);
            TestServer.Reply third = s.post("/v1/chat/completions", body);
            assertEquals(429, third.status(), third.body());
            assertEquals("rate_limit_error", third.json().at("/error/type").asText());
            gate.release();
            assertEquals(200, first.get().status());
            assertEquals(200, second.get().status(), "a queued request runs when the slot frees");
            assertEquals(0, s.server.metrics().inFlight());
        }
        try (TestServer s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withLimits(1, 0));
             GenerationGate gate = GenerationGate.install(s.server, 1)) {
            String body = TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":24");
            CompletableFuture<TestServer.Reply> first = CompletableFuture.supplyAsync(() -> s.post("/v1/chat/completions", body), POOL);
            gate.awaitHeld();
            TestServer.Reply second = s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":24,\"stream\":true"));
            assertEquals(429, second.status(), "with --max-queue 0 a busy server refuses at once, streams too");
            gate.release();
            assertEquals(200, first.get().status());
        }
    }

    @Test
    void clientThatLeavesCancelsTheStream() throws Exception {
        try (TestServer s = TestServer.start()) {
            String body = TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":300");
            int natural = s.post("/v1/chat/completions", body).json().at("/usage/completion_tokens").asInt();
            assertTrue(natural > 20, "the full answer is long enough to be cut, got " + natural);
            // held after its 4th token until the client has left, so it cannot finish first however slow
            // the machine; then paced like a real model, so it is still running when its next write fails
            s.server.engine().testTokenDelayMillis = 20;
            HttpRequest req = HttpRequest.newBuilder(URI.create(s.url("/v1/chat/completions")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":300,\"stream\":true"))).build();
            try (GenerationGate gate = GenerationGate.install(s.server, 4)) {
                HttpResponse<java.io.InputStream> resp = s.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, resp.statusCode());
                try (var in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                    int events = 0;
                    for (String line; events < 3 && (line = in.readLine()) != null; ) if (line.startsWith("data: ")) events++;
                    assertEquals(3, events);
                    gate.awaitHeld();
                } // closing the body drops the connection; closing the gate then lets the generation go on
            }
            // the request is counted and recorded after the engine lets it go, so wait for the record itself
            waitFor(() -> s.server.metrics().inFlight() == 0 && s.feedback.summary().requests() == 2);
            var m = ServerErrorsTest.parse(s.get("/metrics").body());
            assertEquals(1.0, m.get("bgl_generations_cancelled_total"));
            double generated = m.get("bgl_completion_tokens_total");
            // the full run before counted `natural`; the cancelled one stopped well short of its natural length
            assertTrue(generated - natural < natural, "cancelled stream generated " + (generated - natural) + " of " + natural);
            FeedbackService.FeedbackSummary sum = s.feedback.summary();
            assertEquals(2, sum.requests(), "the cancelled request is recorded too");
        }
    }

    static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) fail("condition not reached in 20 s");
            Thread.sleep(2);
        }
    }
}
