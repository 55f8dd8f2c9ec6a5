package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server's requests share one batch: concurrent requests are decoded together (the batch's
 * step counters say so) and each gets the answer it gets alone; the batch's load is in /metrics
 * and /health.
 */
class BatchingTest {
    private static final List<String> QUESTIONS = List.of("What is 17 + 25?", "Solve: 3*x = 21", "What is 9 * 8?", "Add: 11+12+13");

    @Test
    void concurrentRequestsAreDecodedTogetherWithTheirLoneAnswers() throws Exception {
        try (TestServer s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withLimits(4, 8));
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            String extra = "\"max_tokens\":120,\"thinking_budget\":40,\"budget_mode\":\"guided\"";
            List<JsonNode> alone = QUESTIONS.stream().map(q -> s.post("/v1/chat/completions", TestServer.chat(q, extra)).json()).toList();
            Map<String, Double> before = ServerErrorsTest.parse(s.get("/metrics").body());
            List<CompletableFuture<TestServer.Reply>> together;
            // held at the first token until all four are in the batch, so they surely decode together
            try (GenerationGate gate = GenerationGate.install(s.server, 1)) {
                together = QUESTIONS.stream().map(q -> CompletableFuture.supplyAsync(() -> s.post("/v1/chat/completions", TestServer.chat(q, extra)), pool)).toList();
                gate.awaitHeld();
                ConcurrencyTest.waitFor(() -> s.server.engine().batchStats().running() + s.server.engine().batchStats().waiting() == 4);
            }
            for (int i = 0; i < QUESTIONS.size(); i++) {
                JsonNode r = together.get(i).get().json();
                assertEquals(alone.get(i).at("/choices/0/message"), r.at("/choices/0/message"), QUESTIONS.get(i));
                assertEquals(alone.get(i).at("/usage/completion_tokens"), r.at("/usage/completion_tokens"));
            }
            Map<String, Double> m = ServerErrorsTest.parse(s.get("/metrics").body());
            double steps = m.get("bgl_batch_steps_total") - before.get("bgl_batch_steps_total");
            double decoded = m.get("bgl_batch_decoded_tokens_total") - before.get("bgl_batch_decoded_tokens_total");
            assertTrue(decoded / steps > 2, "four requests shared the steps: " + decoded + " tokens in " + steps + " steps");
            assertEquals(4.0, m.get("bgl_batch_slots"));
            assertEquals(8.0, m.get("bgl_time_to_first_token_seconds_count"), "every generation's first token is timed");
            assertEquals(8.0, m.get("bgl_queue_wait_seconds_count"));
            JsonNode h = s.get("/health").json().get("batch");
            assertEquals(4, h.get("slots").asInt());
            assertEquals(0, h.get("running").asInt());
            assertTrue(h.get("mean_time_to_first_token_s").asDouble() > 0);
        }
    }
}
