package dev.bgl.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.eval.EvalProblem;
import dev.bgl.eval.EvalTasks;
import dev.bgl.util.BglException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A load run against a bgl server: N clients, each looping streaming chat completions with held-out
 * curriculum questions, reading every stream to [DONE] and checking that it is well-formed; a
 * sampler reads the server's memory gauges from /metrics meanwhile. 429s are counted apart (a full
 * queue refusing work is the server doing its job); everything else that is not a clean stream is a
 * failure.
 */
public final class LoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param budgetTokens thinking_budget sent with each request (null: none)
     * @param maxTokens    max_tokens of each request
     * @param timeout      a request's limit from sending to [DONE], queue wait included
     * @param sampleEvery  how often /metrics is read
     */
    public record Settings(URI base, int clients, Duration duration, Integer budgetTokens, int maxTokens, String apiKey,
                    Duration timeout, Duration sampleEvery, long seed) {
        public Settings {
            if (clients < 1) throw new BglException("--clients must be >= 1, got " + clients);
            if (duration.isNegative() || duration.isZero()) throw new BglException("--minutes must be > 0");
            if (budgetTokens != null && budgetTokens < 0) throw new BglException("--budget must be >= 0, got " + budgetTokens);
            if (maxTokens < 1) throw new BglException("--max-tokens must be >= 1, got " + maxTokens);
        }
    }

    /** One read of the server's memory gauges, {@code t} seconds after the start (-1: gauge absent). */
    public record Sample(double t, long rss, long heapUsed, long heapCommitted, long heapAfterGc, long nonHeap,
                  long liveSessions, long kvLiveBytes, long queue) {
    }

    /** A memory series' trend over the second half: least-squares change across it, against its mean. */
    public record Trend(String series, int points, double meanBytes, double changeBytes, double toleranceBytes, boolean flat) {
        public double changePercent() {
            return meanBytes == 0 ? 0 : 100 * changeBytes / meanBytes;
        }
    }

    public record Report(Settings settings, double seconds, long ok, long rateLimited, long otherStatus, long failures,
                  Map<String, Long> statuses, List<String> failureExamples, double[] latency, double[] ttft,
                  long completionTokens, long reasoningTokens, List<Sample> samples, List<Trend> trends, double meanBatch) {
        /** Every request sent: clean streams, 429s and failures (a status other than 200/429 is a failure). */
        public long requests() {
            return ok + rateLimited + failures;
        }

        public double tokensPerSecond() {
            return completionTokens / seconds;
        }

        public boolean memoryFlat() {
            return !trends.isEmpty() && trends.stream().allMatch(Trend::flat);
        }
    }

    private final Settings s;
    private final List<String> questions;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .cookieHandler(new java.net.CookieManager()) // one session for the whole test (the server's identity of a caller)
            .version(HttpClient.Version.HTTP_1_1).build();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "load-test-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final LoadTally tally = new LoadTally();
    private final ServerMetrics metrics;

    public LoadTest(Settings s) {
        this.s = s;
        // held-out (test split) questions of the default curriculum's families, as the user simulator asks
        List<String> qs = new ArrayList<>();
        for (String f : List.of("sum", "mul", "linear", "count"))
            for (EvalProblem p : EvalTasks.load("synthetic:" + f, 50, s.seed(), null).problems()) qs.add(p.prompt());
        Collections.shuffle(qs, new java.util.Random(s.seed()));
        this.questions = List.copyOf(qs);
        this.metrics = new ServerMetrics(http, s.base(), s.apiKey());
    }

    /** Runs the load and returns what it saw; progress lines go to {@code log}. A server that does not answer /health is one error line. */
    public Report run(PrintStream log) throws InterruptedException {
        try {
            HttpResponse<String> h = http.send(HttpRequest.newBuilder(s.base().resolve("health")).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (h.statusCode() != 200) throw new BglException("--url " + s.base() + ": /health answered HTTP " + h.statusCode() + ", not a bgl server?");
        } catch (IOException e) {
            throw new BglException("--url " + s.base() + ": no server there (" + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()) + ")");
        }
        double[] batchBefore = metrics.batchCounters();
        long start = System.nanoTime();
        long end = start + s.duration().toNanos();
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().name("load-test-sampler").start(() -> {
            while (running.get()) {
                Sample x = metrics.sample((System.nanoTime() - start) / 1e9);
                if (x != null) samples.add(x);
                try {
                    Thread.sleep(s.sampleEvery().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < s.clients(); c++) {
            int id = c;
            clients.add(Thread.ofPlatform().name("load-client-" + c).start(() -> client(id, end)));
        }
        long lastLog = System.nanoTime();
        for (Thread t : clients) {
            while (t.isAlive()) {
                t.join(1000);
                if (log != null && System.nanoTime() - lastLog > 10_000_000_000L) {
                    lastLog = System.nanoTime();
                    log.printf(Locale.ROOT, "load-test: %.0f s, %d ok, %d 429, %d failed%n",
                            (lastLog - start) / 1e9, tally.ok.sum(), tally.rateLimited.sum(), tally.failures.sum());
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        running.set(false);
        sampler.interrupt();
        sampler.join(5000);
        Sample last = metrics.sample(seconds);
        if (last != null) samples.add(last);
        watchdog.shutdownNow();
        double[] batchAfter = metrics.batchCounters();
        double meanBatch = batchBefore == null || batchAfter == null || batchAfter[0] == batchBefore[0] ? Double.NaN
                : (batchAfter[1] - batchBefore[1]) / (batchAfter[0] - batchBefore[0]);
        return tally.report(s, seconds, List.copyOf(samples), meanBatch);
    }

    private void client(int id, long end) {
        int i = id * 7919;
        while (System.nanoTime() < end) {
            String q = questions.get(Math.floorMod(i++, questions.size()));
            String outcome = once(q, "load-" + id);
            if (!"200".equals(outcome)) {
                try { // back off a little, as a client told "rate limited" would; a failing server is not hammered either
                    Thread.sleep(100 + ThreadLocalRandom.current().nextInt(200));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One streaming request; returns "200", "429" or a failure's reason, and counts it. */
    String once(String question, String user) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        body.put("stream", true);
        body.put("max_tokens", s.maxTokens());
        body.put("user", user);
        if (s.budgetTokens() != null) body.put("thinking_budget", s.budgetTokens());
        HttpRequest.Builder rb = HttpRequest.newBuilder(s.base().resolve("v1/chat/completions")).timeout(s.timeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (s.apiKey() != null && !s.apiKey().isEmpty()) rb.header("Authorization", "Bearer " + s.apiKey());
        long t0 = System.nanoTime();
        AtomicBoolean timedOut = new AtomicBoolean();
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.net.http.HttpTimeoutException e) {
            return tally.fail("timeout before the response began (" + s.timeout().toSeconds() + " s)", "timeout");
        } catch (IOException e) {
            return tally.fail("I/O error: " + e, "io");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return tally.fail("interrupted", "io");
        }
        String status = Integer.toString(resp.statusCode());
        tally.status(status);
        long left = s.timeout().toNanos() - (System.nanoTime() - t0);
        // the stream must end within the request's time: past it, closing the body ends the read
        ScheduledFuture<?> guard = watchdog.schedule(() -> {
            timedOut.set(true);
            try {
                resp.body().close();
            } catch (IOException ignored) {
                // the read sees the close
            }
        }, Math.max(1, left), TimeUnit.NANOSECONDS);
        try (InputStream in = resp.body()) {
            if (resp.statusCode() == 429) {
                String err = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!JSON.readTree(err).path("error").path("type").asText().equals("rate_limit_error"))
                    return tally.fail("429 without a rate_limit_error body: " + abbreviate(err), "malformed");
                tally.rateLimited.increment();
                return "429";
            }
            if (resp.statusCode() != 200) {
                tally.otherStatus.increment();
                return tally.fail("HTTP " + status + ": " + abbreviate(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "status");
            }
            String ct = resp.headers().firstValue("Content-Type").orElse("");
            if (!ct.startsWith("text/event-stream")) return tally.fail("200 with Content-Type '" + ct + "'", "malformed");
            StreamCheck c = new StreamCheck(t0);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String problem = null;
            for (String line; (line = r.readLine()) != null && problem == null; ) problem = c.line(line);
            if (problem == null) problem = c.end();
            if (problem != null) return tally.fail(timedOut.get() ? "timeout mid-stream (" + s.timeout().toSeconds() + " s)" : problem,
                    timedOut.get() ? "timeout" : "malformed");
            tally.ok(t0, System.nanoTime(), c.firstToken, c.completionTokens, c.reasoningTokens);
            return "200";
        } catch (IOException e) {
            return tally.fail(timedOut.get() ? "timeout mid-stream (" + s.timeout().toSeconds() + " s)" : "I/O error reading the stream: " + e,
                    timedOut.get() ? "timeout" : "io");
        } finally {
            guard.cancel(false);
        }
    }

    static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
