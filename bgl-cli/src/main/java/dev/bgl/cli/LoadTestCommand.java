package dev.bgl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.client.LoadTest;
import dev.bgl.util.BglException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Many streaming clients against a running server; counts, latencies, throughput and whether its memory stays flat. */
@Command(name = "load-test", mixinStandardHelpOptions = true,
        description = "Concurrent streaming clients against a running bgl server: statuses, failures, latency, tokens/s, server memory trend.")
final class LoadTestCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "The server, http://HOST:PORT")
    String url;
    @Option(names = "--clients", defaultValue = "16", description = "Concurrent clients (default ${DEFAULT-VALUE})")
    int clients;
    @Option(names = "--minutes", defaultValue = "2", description = "Duration in minutes (default ${DEFAULT-VALUE}; fractions allowed)")
    double minutes;
    @Option(names = "--budget", defaultValue = "32", description = "thinking_budget of each request, tokens; -1: send none (default ${DEFAULT-VALUE})")
    int budget;
    @Option(names = "--max-tokens", defaultValue = "256", description = "max_tokens of each request (default ${DEFAULT-VALUE})")
    int maxTokens;
    @Option(names = "--api-key", description = "Bearer key when the server has keys")
    String apiKey;
    @Option(names = "--timeout", defaultValue = "120", description = "Seconds a request may take, queue wait included, before it counts as failed (default ${DEFAULT-VALUE})")
    int timeout;
    @Option(names = "--sample-seconds", defaultValue = "2", description = "How often server memory is read from /metrics (default ${DEFAULT-VALUE})")
    double sampleSeconds;
    @Option(names = "--seed", defaultValue = "7") long seed;
    @Option(names = "--out", description = "Write the figures and memory samples as JSON here")
    Path out;

    @Override
    public Integer call() throws Exception {
        URI base;
        try {
            base = URI.create(url.endsWith("/") ? url : url + "/");
        } catch (IllegalArgumentException e) {
            throw new BglException("--url: not a URL: '" + url + "'");
        }
        if (base.getScheme() == null || !base.getScheme().startsWith("http")) throw new BglException("--url: needs http://, got '" + url + "'");
        if (!(minutes > 0) || minutes > 24 * 60) throw new BglException("--minutes must be in (0, 1440], got " + minutes);
        if (timeout < 1) throw new BglException("--timeout must be >= 1, got " + timeout);
        if (!(sampleSeconds >= 0.1)) throw new BglException("--sample-seconds must be >= 0.1, got " + sampleSeconds);
        LoadTest.Settings s = new LoadTest.Settings(base, clients, Duration.ofMillis(Math.round(minutes * 60_000)), budget < 0 ? null : budget,
                maxTokens, apiKey, Duration.ofSeconds(timeout), Duration.ofMillis(Math.round(sampleSeconds * 1000)), seed);
        LoadTest.Report r = new LoadTest(s).run(System.err);
        print(r, System.out);
        if (out != null) {
            try {
                if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json(r));
            } catch (IOException e) {
                throw new BglException("--out " + out + ": cannot write: " + e.getMessage());
            }
            System.out.println("wrote " + out);
        }
        return r.failures() == 0 ? 0 : 1;
    }

    static void print(LoadTest.Report r, PrintStream o) {
        LoadTest.Settings s = r.settings();
        o.printf(Locale.ROOT, "load-test: %s, %d clients, %.1f s, budget %s, max_tokens %d%n", s.base(), s.clients(), r.seconds(),
                s.budgetTokens() == null ? "none" : s.budgetTokens() + " tok", s.maxTokens());
        o.printf(Locale.ROOT, "%-28s %s%n", "requests", r.requests());
        o.printf(Locale.ROOT, "%-28s %d%n", "200 well-formed streams", r.ok());
        o.printf(Locale.ROOT, "%-28s %d%n", "429 (queue full)", r.rateLimited());
        o.printf(Locale.ROOT, "%-28s %d%n", "failures", r.failures());
        o.printf(Locale.ROOT, "%-28s %s%n", "by status", r.statuses());
        o.printf(Locale.ROOT, "%-28s %s%n", "latency p50/p95/p99/max s", quad(r.latency()));
        o.printf(Locale.ROOT, "%-28s %s%n", "first token p50/p95/p99/max s", quad(r.ttft()));
        o.printf(Locale.ROOT, "%-28s %.1f (%d tokens, %d reasoning)%n", "completion tokens/s", r.tokensPerSecond(), r.completionTokens(), r.reasoningTokens());
        o.printf(Locale.ROOT, "%-28s %.1f%n", "streams/s", r.ok() / r.seconds());
        if (!Double.isNaN(r.meanBatch())) o.printf(Locale.ROOT, "%-28s %.2f sequences per decode step%n", "server batch (mean)", r.meanBatch());
        if (!r.samples().isEmpty()) {
            LoadTest.Sample a = r.samples().getFirst(), b = r.samples().getLast();
            o.printf(Locale.ROOT, "%-28s %s -> %s MB (%d samples)%n", "server RSS first -> last", mb(a.rss()), mb(b.rss()), r.samples().size());
            o.printf(Locale.ROOT, "%-28s %s -> %s MB%n", "heap committed first -> last", mb(a.heapCommitted()), mb(b.heapCommitted()));
            long maxKv = r.samples().stream().mapToLong(LoadTest.Sample::kvLiveBytes).max().orElse(-1);
            long maxQ = r.samples().stream().mapToLong(LoadTest.Sample::queue).max().orElse(-1);
            o.printf(Locale.ROOT, "%-28s %s KB, queue max %d%n", "live KV (generated) max", maxKv < 0 ? "-" : String.format(Locale.ROOT, "%.1f", maxKv / 1024.0), maxQ);
        }
        for (LoadTest.Trend t : r.trends())
            o.printf(Locale.ROOT, "%-28s mean %.1f MB, change %+.1f MB (%+.1f%%), tolerance %.1f MB: %s%n", "trend 2nd half " + t.series(),
                    t.meanBytes() / 1e6, t.changeBytes() / 1e6, t.changePercent(), t.toleranceBytes() / 1e6, t.flat() ? "flat" : "GROWING");
        o.printf(Locale.ROOT, "%-28s %s%n", "memory flat", r.trends().isEmpty() ? "unknown (too few samples)" : r.memoryFlat() ? "yes" : "no");
        for (String f : r.failureExamples()) o.println("  failure: " + f);
    }

    private static String quad(double[] q) {
        return String.format(Locale.ROOT, "%.3f / %.3f / %.3f / %.3f", q[0], q[1], q[2], q[3]);
    }

    private static String mb(long b) {
        return b < 0 ? "-" : String.format(Locale.ROOT, "%.1f", b / 1e6);
    }

    static ObjectNode json(LoadTest.Report r) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        LoadTest.Settings s = r.settings();
        ObjectNode set = o.putObject("settings");
        set.put("url", s.base().toString());
        set.put("clients", s.clients());
        set.put("duration_s", s.duration().toMillis() / 1000.0);
        if (s.budgetTokens() == null) set.putNull("thinking_budget");
        else set.put("thinking_budget", s.budgetTokens());
        set.put("max_tokens", s.maxTokens());
        set.put("timeout_s", s.timeout().toSeconds());
        set.put("seed", s.seed());
        o.put("seconds", r.seconds());
        o.put("requests", r.requests());
        o.put("ok", r.ok());
        o.put("rate_limited_429", r.rateLimited());
        o.put("failures", r.failures());
        o.set("by_status", m.valueToTree(r.statuses()));
        o.set("failure_examples", m.valueToTree(r.failureExamples()));
        o.set("latency_s", quadJson(m, r.latency()));
        o.set("time_to_first_token_s", quadJson(m, r.ttft()));
        o.put("completion_tokens", r.completionTokens());
        o.put("reasoning_tokens", r.reasoningTokens());
        o.put("completion_tokens_per_s", r.tokensPerSecond());
        if (Double.isNaN(r.meanBatch())) o.putNull("server_mean_batch");
        else o.put("server_mean_batch", r.meanBatch());
        o.put("memory_flat", r.memoryFlat());
        o.put("memory_flat_rule", "least-squares change over the second half of the run within max(5% of the mean, 8 MiB), for the server RSS and for its heap after GC (young pools after their last collection + old generation)");
        ArrayNode tr = o.putArray("memory_trends");
        for (LoadTest.Trend t : r.trends())
            tr.addObject().put("series", t.series()).put("points", t.points()).put("mean_bytes", t.meanBytes())
                    .put("change_bytes", t.changeBytes()).put("change_percent", t.changePercent()).put("tolerance_bytes", t.toleranceBytes()).put("flat", t.flat());
        ArrayNode ss = o.putArray("memory_samples");
        for (LoadTest.Sample x : r.samples())
            ss.addObject().put("t", Math.round(x.t() * 100) / 100.0).put("rss", x.rss()).put("heap_used", x.heapUsed())
                    .put("heap_committed", x.heapCommitted()).put("heap_after_gc", x.heapAfterGc()).put("nonheap", x.nonHeap())
                    .put("live_sessions", x.liveSessions()).put("kv_live_bytes", x.kvLiveBytes()).put("queue", x.queue());
        return o;
    }

    private static ObjectNode quadJson(ObjectMapper m, double[] q) {
        ObjectNode o = m.createObjectNode();
        String[] k = {"p50", "p95", "p99", "max"};
        for (int i = 0; i < 4; i++) {
            if (Double.isNaN(q[i])) o.putNull(k[i]);
            else o.put(k[i], q[i]);
        }
        return o;
    }
}
