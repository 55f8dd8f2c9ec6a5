package dev.bgl.client;

import dev.bgl.budget.RunnerSettings;
import dev.bgl.util.RepoFiles;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.server.BglServer;
import dev.bgl.server.GenerationGate;
import dev.bgl.server.InMemoryFeedback;
import dev.bgl.server.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The load test against in-process servers with the embedded model, and its stream checker on broken streams. */
class LoadTestTest {
    static LoadedModel model;
    static BudgetPredictor predictor;

    @BeforeAll
    static void load() {
        model = LoadedModel.open(RepoFiles.shippedModel());
        predictor = BudgetPredictor.load(RepoFiles.shippedPredictor(), model, 0);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static BglServer server(int concurrent, int queue) {
        return BglServer.start(ServerConfig.local("bgl-reasoner").withLimits(concurrent, queue), model, RunnerSettings.guided(predictor, GuidanceOptions.recommended(RepoFiles.shippedPredictor())),
                new InMemoryFeedback(128, "guided"));
    }

    static LoadTest.Settings settings(BglServer s, int clients, long millis) {
        return new LoadTest.Settings(URI.create(s.url() + "/"), clients, Duration.ofMillis(millis), 32, 96, null,
                Duration.ofSeconds(60), Duration.ofMillis(250), 3);
    }

    /** The server's own count of chat completions answered with {@code status}. */
    static long served(BglServer s, int status) {
        String line = s.metrics().render().lines()
                .filter(l -> l.startsWith("bgl_http_requests_total{path=\"/v1/chat/completions\",status=\"" + status + "\"}"))
                .findFirst().orElse(null);
        return line == null ? 0 : Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Test
    void fourClientsAFewSecondsAllStreamsCleanAndCountsMatchTheServer() throws Exception {
        try (BglServer s = server(2, 16)) {
            LoadTest.Report r = new LoadTest(settings(s, 4, 3000)).run(null);
            assertEquals(0, r.failures(), () -> "failures: " + r.failureExamples());
            assertEquals(0, r.rateLimited(), "4 clients fit 2 slots + a queue of 16");
            assertTrue(r.ok() >= 4, "every client finished at least one stream: " + r.ok());
            assertEquals(r.ok(), served(s, 200), "our clean streams are the server's 200s");
            assertEquals(Map.of("200", r.ok()), r.statuses());
            // each stream reported its usage; the server counted the same completion tokens
            long serverTokens = (long) ServerMetrics.gauges(s.metrics().render()).get("bgl_completion_tokens_total").doubleValue();
            assertEquals(serverTokens, r.completionTokens());
            assertTrue(r.reasoningTokens() > 0 && r.reasoningTokens() <= r.completionTokens());
            assertTrue(r.meanBatch() >= 1 && r.meanBatch() <= 2, "the server's batch, read from /metrics, within its 2 slots: " + r.meanBatch());
            double[] l = r.latency(), f = r.ttft();
            assertTrue(l[0] > 0 && l[0] <= l[1] && l[1] <= l[2] && l[2] <= l[3], "latency percentiles ordered");
            assertTrue(f[0] > 0 && f[0] <= l[0] + 1e-9 && f[3] <= l[3], "first token before the end");
            assertTrue(r.samples().size() >= 3, "memory sampled: " + r.samples().size());
            LoadTest.Sample x = r.samples().getLast();
            assertTrue(x.heapUsed() > 0 && x.heapCommitted() >= x.heapUsed() && x.nonHeap() > 0, x.toString());
            assertTrue(x.heapAfterGc() > 0 && x.heapAfterGc() <= x.heapCommitted(), x.toString());
            if (Files.isReadable(Path.of("/proc/self/status"))) assertTrue(x.rss() > x.heapUsed() / 4, "RSS gauge read: " + x);
            assertEquals(0, x.liveSessions(), "no session alive after the run");
            assertEquals(0, x.kvLiveBytes(), "no KV held after the run");
        }
    }

    @Test
    void aFullQueueGives429sThatAreCountedApartFromFailures() throws Exception {
        try (BglServer s = server(1, 0)) {
            LoadTest.Report r = new LoadTest(settings(s, 4, 2000)).run(null);
            assertEquals(0, r.failures(), () -> "failures: " + r.failureExamples());
            assertTrue(r.rateLimited() > 0, "1 slot, no queue, 4 clients: some refused");
            assertTrue(r.ok() > 0);
            assertEquals(r.rateLimited(), served(s, 429));
            assertEquals(r.ok(), served(s, 200));
        }
    }

    @Test
    void aRunningGenerationShowsInTheLiveGauges() throws Exception {
        try (BglServer s = server(2, 4); GenerationGate gate = GenerationGate.install(s, 3)) {
            LoadTest t = new LoadTest(settings(s, 1, 1000));
            // held after its 3rd token: the gauges are read while it runs, not caught between two polls
            Thread gen = Thread.ofPlatform().start(() -> t.once("What is 12 + 30?", "u"));
            gate.awaitHeld();
            // the batch holds after its 3rd token; the request's thread may still be handing the last ones over
            long until = System.nanoTime() + 20_000_000_000L;
            while (ServerMetrics.gauges(s.metrics().render()).get("bgl_kv_live_bytes").longValue() < 3 * model.kvBytesPerToken()
                    && System.nanoTime() < until) Thread.sleep(5);
            Map<String, Double> g = ServerMetrics.gauges(s.metrics().render());
            assertEquals(1, g.get("bgl_live_sessions").longValue());
            assertEquals(3 * model.kvBytesPerToken(), g.get("bgl_kv_live_bytes").longValue(), "the KV bytes of the 3 tokens so far");
            gate.release();
            gen.join(Duration.ofSeconds(120));
            assertFalse(gen.isAlive(), "the released generation finished");
            g = ServerMetrics.gauges(s.metrics().render());
            assertEquals(0, g.get("bgl_live_sessions").longValue());
            assertEquals(0, g.get("bgl_kv_live_bytes").longValue());
        }
    }

    @Test
    void noServerAtTheUrlIsOneErrorNotAMinuteOfFailures() throws Exception {
        int port;
        try (var sock = new java.net.ServerSocket(0)) {
            port = sock.getLocalPort();
        }
        LoadTest.Settings st = new LoadTest.Settings(URI.create("http://127.0.0.1:" + port + "/"), 2, Duration.ofMinutes(1), 32, 96, null,
                Duration.ofSeconds(5), Duration.ofMillis(250), 3);
        long t0 = System.nanoTime();
        var e = assertThrows(dev.bgl.util.BglException.class, () -> new LoadTest(st).run(null));
        assertTrue(e.getMessage().contains("no server there"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "refused at once");
    }

    static String check(List<String> lines) {
        StreamCheck c = new StreamCheck(System.nanoTime());
        for (String l : lines) {
            String p = c.line(l);
            if (p != null) return p;
        }
        return c.end();
    }

    static final String ROLE = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}";
    static final String THINK = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hm\"},\"finish_reason\":null}]}";
    static final String ANSWER = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"42\"},\"finish_reason\":null}]}";
    static final String FINAL = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7,\"completion_tokens_details\":{\"reasoning_tokens\":1}},\"bgl\":{\"request_id\":\"x\"}}";
    static final String DONE = "data: [DONE]";

    @Test
    void streamCheckerAcceptsTheContractAndNamesEachBreak() {
        assertNull(check(List.of(ROLE, "", THINK, "", ANSWER, "", FINAL, "", DONE, "")));
        assertTrue(check(List.of(ROLE, "", THINK, "", ANSWER, "", FINAL, "")).contains("without [DONE]"));
        assertTrue(check(List.of(ROLE, "", THINK, "", ANSWER, "")).contains("before the final chunk"));
        assertTrue(check(List.of(ROLE, "", ANSWER, "", THINK, "", FINAL, "", DONE, "")).contains("reasoning_content after content"));
        assertTrue(check(List.of(THINK, "", FINAL, "", DONE, "")).contains("role delta"));
        assertTrue(check(List.of(ROLE, "", FINAL, "", DONE, "")).contains("without any"));
        assertTrue(check(List.of(ROLE, "", THINK, "", DONE, "")).contains("[DONE] before"));
        assertTrue(check(List.of(ROLE, "", THINK, "", FINAL, "", DONE, "", ANSWER, "")).contains("after [DONE]"));
        assertTrue(check(List.of(ROLE, "", "data: {not json", "")).contains("not JSON"));
        assertTrue(check(List.of(ROLE, "", THINK.replace("\"id\":\"x\"", "\"id\":\"y\""), "")).contains("id changed"));
        assertTrue(check(List.of(ROLE, "", THINK, "", FINAL.replace("\"reasoning_tokens\":1", "\"reasoning_tokens\":3"), "")).contains("usage"));
        assertTrue(check(List.of(ROLE, THINK)).contains("blank line"));
    }

    @Test
    void memoryTrendFlatWithinToleranceAndGrowingBeyond() {
        double mb = 1 << 20;
        List<LoadTest.Sample> flat = new java.util.ArrayList<>(), growing = new java.util.ArrayList<>();
        for (int i = 0; i <= 60; i++) {
            double t = i * 2;
            flat.add(new LoadTest.Sample(t, (long) (400 * mb + (i % 3) * mb), (long) (100 * mb + (i % 5) * 20 * mb), 0, (long) (16 * mb + (i % 4) * mb), 0, 0, 0, 0));
            growing.add(new LoadTest.Sample(t, (long) (400 * mb + i * 2 * mb), 0, 0, (long) (16 * mb + i * mb), 0, 0, 0, 0));
        }
        List<LoadTest.Trend> f = MemoryTrends.of(flat, 120), g = MemoryTrends.of(growing, 120);
        assertEquals(List.of("rss", "heap_after_gc"), f.stream().map(LoadTest.Trend::series).toList());
        assertTrue(f.stream().allMatch(LoadTest.Trend::flat), f.toString());
        // RSS grows 2 MB per 2 s sample: 60 MB over the last 60 s, 13% of its ~460 MB mean, beyond 5%
        assertFalse(g.get(0).flat());
        assertEquals(60 * mb, g.get(0).changeBytes(), 1e-3 * mb);
        assertFalse(g.get(1).flat());
    }
}
