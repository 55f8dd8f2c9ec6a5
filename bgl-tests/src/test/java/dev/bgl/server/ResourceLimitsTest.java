package dev.bgl.server;

import dev.bgl.util.RepoFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.Session;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Per-request limits (max_tokens, KV cache) answer 400 naming max_tokens; memory admission answers
 * 503 while running requests hold the budget and 400 for a request that could never fit; the
 * metrics count each refusal; the estimate covers what a session really allocates.
 */
class ResourceLimitsTest {
    static final String BODY = TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":24");

    private static JsonNode error(TestServer.Reply r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        JsonNode e = r.json().get("error");
        assertEquals(code, e.get("code").asText(), r.body());
        return e;
    }

    private static double metric(TestServer s, String name) {
        Double v = ServerErrorsTest.parse(s.get("/metrics").body()).get(name);
        return v == null ? 0 : v;
    }

    @Test
    void perRequestTokenAndKvLimitsAre400NamingMaxTokens() {
        LoadedModel probe = LoadedModel.open(RepoFiles.shippedModel());
        long perToken = probe.kvBytesPerToken();
        probe.close();
        long kvLimit = 120 * perToken; // a session of 120 tokens: the prompt, ~30 tokens of answer and the slack
        try (TestServer s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withResourceLimits(32, kvLimit, 0))) {
            JsonNode e = error(s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":33")), 400, "max_tokens_too_large");
            assertEquals("max_tokens", e.get("param").asText());
            assertTrue(e.get("message").asText().contains("--max-tokens-per-request"), e.toString());
            e = error(s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, "\"max_completion_tokens\":40")), 400, "max_tokens_too_large");
            assertEquals("max_completion_tokens", e.get("param").asText());

            TestServer.Reply ok = s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":8"));
            assertEquals(200, ok.status(), ok.body());
            int prompt = ok.json().at("/usage/prompt_tokens").asInt();
            int fit = 120 - prompt - MemoryAdmission.SESSION_SLACK;
            assertTrue(fit > 1 && fit < 32, "the KV limit is the tighter one for this prompt: fit " + fit);

            e = error(s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":" + (fit + 1))), 400, "kv_cache_too_large");
            assertEquals("max_tokens", e.get("param").asText());
            assertTrue(e.get("message").asText().contains("max_tokens <= " + fit), e.toString());
            assertEquals(200, s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":" + fit)).status());

            // without max_tokens the default shrinks to what the limits allow instead of failing
            TestServer.Reply dflt = s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, ""));
            assertEquals(200, dflt.status(), dflt.body());
            assertTrue(dflt.json().at("/usage/completion_tokens").asInt() <= fit, dflt.body());

            assertEquals(2, s.server.metrics().rejections("max_tokens_too_large"));
            assertEquals(1, s.server.metrics().rejections("kv_cache_too_large"));
            assertEquals(1.0, metric(s, "bgl_rejected_requests_total{reason=\"kv_cache_too_large\"}"));
        }
    }

    @Test
    void memoryAdmission503WhileBusy400WhenItCouldNeverFit() throws Exception {
        LoadedModel probe = LoadedModel.open(RepoFiles.shippedModel());
        MemoryAdmission m = new MemoryAdmission(probe.transformer().config(), probe.defaultContext(), probe.kvType(), Long.MAX_VALUE, 0);
        probe.close();
        // a budget that holds one request of 24 tokens, not two
        try (TestServer s0 = TestServer.start(ServerConfig.local(TestServer.MODEL_ID))) {
            int prompt = s0.post("/v1/chat/completions", BODY).json().at("/usage/prompt_tokens").asInt();
            long one = m.estimate(prompt, 24), big = m.estimate(prompt, 300);
            long budget = (one + big) / 2; // one request of 24 tokens fits, two do not, one of 300 never
            assertTrue(budget < 2 * one && big > budget, one + " " + big);
            s0.close();
            try (TestServer s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withLimits(2, 0).withResourceLimits(0, 0, budget));
                 GenerationGate gate = GenerationGate.install(s.server, 1)) {
                double promptTokensBefore = metric(s, "bgl_prompt_tokens_total");
                TestServer.Reply never = s.post("/v1/chat/completions", TestServer.chat(ChatCompletionsTest.Q, "\"max_tokens\":300"));
                JsonNode e = error(never, 400, "memory_never_fits");
                assertEquals("max_tokens", e.get("param").asText());
                assertEquals(promptTokensBefore, metric(s, "bgl_prompt_tokens_total"), "refused before prefill");

                CompletableFuture<TestServer.Reply> first = CompletableFuture.supplyAsync(() -> s.post("/v1/chat/completions", BODY), ConcurrencyTest.POOL);
                gate.awaitHeld(); // the first request runs, and holds its memory, until released
                assertEquals(one, s.server.engine().memory().reserved(), "the running request holds its estimate");
                TestServer.Reply busy = s.post("/v1/chat/completions", BODY);
                e = error(busy, 503, "memory_busy");
                assertEquals("overloaded_error", e.get("type").asText());
                assertTrue(e.get("message").asText().contains("retry"), e.toString());
                gate.release();
                assertEquals(200, first.get().status(), "the running request is not disturbed");
                assertEquals(0, s.server.engine().memory().reserved(), "released when done");
                assertEquals(200, s.post("/v1/chat/completions", BODY).status(), "admitted again once memory is free");

                assertEquals(1, s.server.metrics().rejections("memory_busy"));
                assertEquals(1, s.server.metrics().rejections("memory_never_fits"));
                assertEquals(1.0, metric(s, "bgl_rejected_requests_total{reason=\"memory_busy\"}"));
                assertEquals((double) budget, metric(s, "bgl_memory_budget_bytes"));
            }
        }
    }

    /**
     * The estimate covers what a session allocates: its arrays at creation plus the KV cache pages
     * it has once filled to its size (the cache grows in pages as the context fills), and is not
     * far above that.
     */
    @Test
    void estimateCoversWhatASessionAllocates() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (LoadedModel model = LoadedModel.open(RepoFiles.shippedModel())) {
            MemoryAdmission m = new MemoryAdmission(model.transformer().config(), model.defaultContext(), model.kvType(), Long.MAX_VALUE, 0);
            for (int[] pm : new int[][]{{10, 20}, {50, 200}, {300, 1000}}) {
                int tokens = m.sessionTokens(pm[0], pm[1]);
                long before = mx.getCurrentThreadAllocatedBytes();
                Session session = model.newSession(tokens);
                long allocated = mx.getCurrentThreadAllocatedBytes() - before;
                assertEquals(tokens, session.contextSize());
                int[] fill = new int[tokens];
                for (int i = 0; i < tokens; i++) fill[i] = 1 + i % 200;
                session.feed(fill, 0, tokens, false);
                long held = allocated + session.kvBytesReserved();
                long est = m.estimate(pm[0], pm[1]);
                assertTrue(est >= held, "estimate " + est + " < held " + held + " for " + tokens + " tokens");
                assertTrue(est - MemoryAdmission.OVERHEAD_BYTES <= 3 * held, "estimate " + est + " far above held " + held);
            }
        }
    }
}
