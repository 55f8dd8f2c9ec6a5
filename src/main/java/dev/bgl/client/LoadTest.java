package dev.bgl.client;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

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
                  long completionTokens, long reasoningTokens, List<Sample> samples, List<Trend> trends) {
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

    /** Relative tolerance of a memory trend, and the floor under it (small series jitter by a few MB). */
    static final double FLAT_FRACTION = 0.05;
    static final double FLAT_FLOOR_BYTES = 8 << 20;

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
    private final LongAdder ok = new LongAdder(), rateLimited = new LongAdder(), otherStatus = new LongAdder(), failures = new LongAdder();
    private final LongAdder completionTokens = new LongAdder(), reasoningTokens = new LongAdder();
    private final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
    private final List<String> failureExamples = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> ttfts = Collections.synchronizedList(new ArrayList<>());

    public LoadTest(Settings s) {
        this.s = s;
        // held-out (test split) questions of the default curriculum's families, as the user simulator asks
        List<String> qs = new ArrayList<>();
        for (String f : List.of("sum", "mul", "linear", "count"))
            for (EvalProblem p : EvalTasks.load("synthetic:" + f, 50, s.seed(), null).problems()) qs.add(p.prompt());
        Collections.shuffle(qs, new java.util.Random(s.seed()));
        this.questions = List.copyOf(qs);
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
        long start = System.nanoTime();
        long end = start + s.duration().toNanos();
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().name("load-test-sampler").start(() -> {
            while (running.get()) {
                Sample x = sample((System.nanoTime() - start) / 1e9);
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
                            (lastLog - start) / 1e9, ok.sum(), rateLimited.sum(), failures.sum());
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        running.set(false);
        sampler.interrupt();
        sampler.join(5000);
        Sample last = sample(seconds);
        if (last != null) samples.add(last);
        watchdog.shutdownNow();
        List<Sample> ss = List.copyOf(samples);
        Map<String, Long> st = new TreeMap<>();
        statuses.forEach((k, v) -> st.put(k, v.sum()));
        return new Report(s, seconds, ok.sum(), rateLimited.sum(), otherStatus.sum(), failures.sum(), st,
                List.copyOf(failureExamples), percentiles(latencies), percentiles(ttfts), completionTokens.sum(),
                reasoningTokens.sum(), ss, trends(ss, s.duration().toNanos() / 1e9));
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
            return fail("timeout before the response began (" + s.timeout().toSeconds() + " s)", "timeout");
        } catch (IOException e) {
            return fail("I/O error: " + e, "io");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted", "io");
        }
        String status = Integer.toString(resp.statusCode());
        statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
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
                    return fail("429 without a rate_limit_error body: " + abbreviate(err), "malformed");
                rateLimited.increment();
                return "429";
            }
            if (resp.statusCode() != 200) {
                otherStatus.increment();
                return fail("HTTP " + status + ": " + abbreviate(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "status");
            }
            String ct = resp.headers().firstValue("Content-Type").orElse("");
            if (!ct.startsWith("text/event-stream")) return fail("200 with Content-Type '" + ct + "'", "malformed");
            StreamCheck c = new StreamCheck(t0);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String problem = null;
            for (String line; (line = r.readLine()) != null && problem == null; ) problem = c.line(line);
            if (problem == null) problem = c.end();
            if (problem != null) return fail(timedOut.get() ? "timeout mid-stream (" + s.timeout().toSeconds() + " s)" : problem,
                    timedOut.get() ? "timeout" : "malformed");
            ok.increment();
            latencies.add((System.nanoTime() - t0) / 1e9);
            if (c.firstToken > 0) ttfts.add((c.firstToken - t0) / 1e9);
            completionTokens.add(c.completionTokens);
            reasoningTokens.add(c.reasoningTokens);
            return "200";
        } catch (IOException e) {
            return fail(timedOut.get() ? "timeout mid-stream (" + s.timeout().toSeconds() + " s)" : "I/O error reading the stream: " + e,
                    timedOut.get() ? "timeout" : "io");
        } finally {
            guard.cancel(false);
        }
    }

    private String fail(String reason, String kind) {
        failures.increment();
        statuses.computeIfAbsent("failed:" + kind, k -> new LongAdder()).increment();
        if (failureExamples.size() < 20) failureExamples.add(reason);
        return reason;
    }

    /**
     * Checks one SSE stream as docs/api.md describes it, line by line: data events only; a role delta
     * first; then reasoning_content deltas before content deltas; a final chunk with finish_reason,
     * usage (reasoning tokens within completion tokens) and the bgl object; then [DONE] and the end.
     */
    static final class StreamCheck {
        private final long t0;
        long firstToken;
        int completionTokens, reasoningTokens;
        private int events;
        private String id;
        private boolean sawAnswer, sawFinal, sawDone, blankExpected;
        private int deltas;

        StreamCheck(long t0) {
            this.t0 = t0;
        }

        /** null when the line fits, else what is wrong. */
        String line(String line) {
            if (blankExpected) {
                blankExpected = false;
                return line.isEmpty() ? null : "an event not followed by a blank line: " + abbreviate(line);
            }
            if (line.isEmpty()) return null; // tolerated keep-alive spacing
            if (line.startsWith(":")) return null; // SSE comment
            if (!line.startsWith("data: ")) return "not a data line: " + abbreviate(line);
            if (sawDone) return "data after [DONE]: " + abbreviate(line);
            blankExpected = true;
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                if (!sawFinal) return "[DONE] before the final chunk with finish_reason";
                sawDone = true;
                return null;
            }
            if (sawFinal) return "a chunk after the final one: " + abbreviate(data);
            JsonNode j;
            try {
                j = JSON.readTree(data);
            } catch (IOException e) {
                return "event not JSON: " + abbreviate(data);
            }
            if (!"chat.completion.chunk".equals(j.path("object").asText())) return "object is not chat.completion.chunk: " + abbreviate(data);
            String cid = j.path("id").asText("");
            if (cid.isEmpty()) return "chunk without id";
            if (id == null) id = cid;
            else if (!id.equals(cid)) return "chunk id changed from " + id + " to " + cid;
            JsonNode choice = j.path("choices").path(0);
            JsonNode delta = choice.path("delta");
            if (!delta.isObject()) return "chunk without choices[0].delta: " + abbreviate(data);
            events++;
            if (events == 1) return "assistant".equals(delta.path("role").asText()) ? null : "first chunk is not the role delta: " + abbreviate(data);
            JsonNode finish = choice.path("finish_reason");
            if (!finish.isNull() && !finish.isMissingNode()) {
                String f = finish.asText();
                if (!f.equals("stop") && !f.equals("length")) return "finish_reason '" + f + "'";
                JsonNode u = j.path("usage");
                if (!u.path("completion_tokens").isInt()) return "final chunk without usage.completion_tokens: " + abbreviate(data);
                if (!u.path("completion_tokens_details").path("reasoning_tokens").isInt()) return "final chunk without usage.completion_tokens_details.reasoning_tokens";
                completionTokens = u.path("completion_tokens").asInt();
                reasoningTokens = u.path("completion_tokens_details").path("reasoning_tokens").asInt();
                if (reasoningTokens > completionTokens || completionTokens < 1)
                    return "usage: " + reasoningTokens + " reasoning of " + completionTokens + " completion tokens";
                if (u.path("total_tokens").asInt() != u.path("prompt_tokens").asInt() + completionTokens) return "usage.total_tokens is not prompt + completion";
                if (!j.path("bgl").path("request_id").isTextual()) return "final chunk without bgl.request_id";
                if (deltas == 0) return "finished without any reasoning_content or content delta";
                sawFinal = true;
                return null;
            }
            boolean r = delta.path("reasoning_content").isTextual(), c = delta.path("content").isTextual();
            if (r == c) return "a delta needs exactly one of reasoning_content and content: " + abbreviate(data);
            if (r && sawAnswer) return "reasoning_content after content began";
            if (c) sawAnswer = true;
            deltas++;
            if (firstToken == 0) firstToken = System.nanoTime();
            return null;
        }

        /** After the last line: null when the stream was complete. */
        String end() {
            if (!sawDone) return sawFinal ? "stream ended without [DONE]" : "stream ended before the final chunk (" + events + " chunks)";
            return null;
        }
    }

    /** Reads the memory gauges; null when /metrics did not answer. */
    Sample sample(double t) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(s.base().resolve("metrics")).timeout(Duration.ofSeconds(10)).GET();
        if (s.apiKey() != null && !s.apiKey().isEmpty()) rb.header("Authorization", "Bearer " + s.apiKey());
        try {
            HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return null;
            Map<String, Double> g = gauges(r.body());
            return new Sample(t, get(g, "bgl_process_rss_bytes"), get(g, "bgl_jvm_heap_used_bytes"), get(g, "bgl_jvm_heap_committed_bytes"),
                    get(g, "bgl_jvm_heap_after_gc_bytes"), get(g, "bgl_jvm_nonheap_used_bytes"), get(g, "bgl_live_sessions"),
                    get(g, "bgl_kv_live_bytes"), get(g, "bgl_queue_length"));
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static long get(Map<String, Double> g, String name) {
        Double v = g.get(name);
        return v == null ? -1 : v.longValue();
    }

    /** Unlabelled samples of a Prometheus text body by name. */
    static Map<String, Double> gauges(String text) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#") || line.contains("{")) continue;
            int sp = line.indexOf(' ');
            if (sp < 0) continue;
            try {
                out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1).trim()));
            } catch (NumberFormatException ignored) {
                // not a plain sample
            }
        }
        return out;
    }

    /**
     * Memory trends over the second half of the run (the first half warms up: JIT, heap sizing,
     * thread stacks): the server's RSS, and its heap after GC (young pools after their last
     * collection plus the old generation: the live data, without the garbage that "heap used"
     * swings through between collections). Flat: the least-squares change across the half is
     * within 5% of the mean, or 8 MiB, whichever is more.
     */
    static List<Trend> trends(List<Sample> samples, double duration) {
        List<Sample> half = samples.stream().filter(x -> x.t() >= duration / 2).toList();
        List<Trend> out = new ArrayList<>();
        if (half.size() < 3) return out;
        double span = duration / 2;
        if (half.get(0).rss() >= 0) out.add(trend("rss", half.stream().map(x -> new double[]{x.t(), x.rss()}).toList(), span));
        if (half.get(0).heapAfterGc() >= 0)
            out.add(trend("heap_after_gc", half.stream().map(x -> new double[]{x.t(), x.heapAfterGc()}).toList(), span));
        return out;
    }

    static Trend trend(String name, List<double[]> pts, double span) {
        int n = pts.size();
        double mt = 0, mv = 0;
        for (double[] p : pts) {
            mt += p[0] / n;
            mv += p[1] / n;
        }
        double num = 0, den = 0;
        for (double[] p : pts) {
            num += (p[0] - mt) * (p[1] - mv);
            den += (p[0] - mt) * (p[0] - mt);
        }
        double slope = den == 0 ? 0 : num / den;
        double change = slope * span;
        double tol = Math.max(FLAT_FRACTION * mv, FLAT_FLOOR_BYTES);
        return new Trend(name, n, mv, change, tol, Math.abs(change) <= tol);
    }

    /** p50, p95, p99, max (NaN when empty). */
    static double[] percentiles(List<Double> xs) {
        double[] v;
        synchronized (xs) {
            v = xs.stream().mapToDouble(Double::doubleValue).toArray();
        }
        if (v.length == 0) return new double[]{Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Arrays.sort(v);
        return new double[]{pct(v, 0.50), pct(v, 0.95), pct(v, 0.99), v[v.length - 1]};
    }

    /** Nearest-rank percentile. */
    private static double pct(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
