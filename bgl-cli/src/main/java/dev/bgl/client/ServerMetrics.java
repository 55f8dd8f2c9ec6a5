package dev.bgl.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The server's memory gauges as the load test samples them: /metrics (Prometheus text) read with the
 * run's client and API key, its unlabelled samples picked by name.
 */
record ServerMetrics(HttpClient http, URI base, String apiKey) {

    /** Reads the memory gauges; null when /metrics did not answer. */
    LoadTest.Sample sample(double t) {
        Map<String, Double> g = read();
        if (g == null) return null;
        return new LoadTest.Sample(t, get(g, "bgl_process_rss_bytes"), get(g, "bgl_jvm_heap_used_bytes"), get(g, "bgl_jvm_heap_committed_bytes"),
                get(g, "bgl_jvm_heap_after_gc_bytes"), get(g, "bgl_jvm_nonheap_used_bytes"), get(g, "bgl_live_sessions"),
                get(g, "bgl_kv_live_bytes"), get(g, "bgl_queue_length"));
    }

    /** The batch's step and token counters now ({steps, decoded tokens}); null when /metrics did not answer or has none. */
    double[] batchCounters() {
        Map<String, Double> g = read();
        if (g == null) return null;
        Double steps = g.get("bgl_batch_steps_total"), decoded = g.get("bgl_batch_decoded_tokens_total");
        return steps == null || decoded == null ? null : new double[]{steps, decoded};
    }

    /** /metrics' unlabelled samples; null when it did not answer. */
    private Map<String, Double> read() {
        HttpRequest.Builder rb = HttpRequest.newBuilder(base.resolve("metrics")).timeout(Duration.ofSeconds(10)).GET();
        if (apiKey != null && !apiKey.isEmpty()) rb.header("Authorization", "Bearer " + apiKey);
        try {
            HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? gauges(r.body()) : null;
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
}
