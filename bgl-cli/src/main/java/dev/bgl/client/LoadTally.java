package dev.bgl.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the load test's clients saw, counted from many threads at once: outcomes by kind and status,
 * the first failures' reasons, the latencies and time to first token of the clean streams, and the
 * tokens the server reported.
 */
final class LoadTally {
    /** Failure reasons kept for the report; the rest are only counted. */
    private static final int EXAMPLES = 20;

    final LongAdder ok = new LongAdder(), rateLimited = new LongAdder(), otherStatus = new LongAdder(), failures = new LongAdder();
    final LongAdder completionTokens = new LongAdder(), reasoningTokens = new LongAdder();
    private final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
    private final List<String> failureExamples = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> ttfts = Collections.synchronizedList(new ArrayList<>());

    void status(String status) {
        statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    /** Counts a failure of {@code kind} and returns its reason. */
    String fail(String reason, String kind) {
        failures.increment();
        status("failed:" + kind);
        if (failureExamples.size() < EXAMPLES) failureExamples.add(reason);
        return reason;
    }

    /** A clean stream: its latency, time to first token (0: none) and tokens, all from t0 in nanoseconds. */
    void ok(long t0, long end, long firstToken, int completion, int reasoning) {
        ok.increment();
        latencies.add((end - t0) / 1e9);
        if (firstToken > 0) ttfts.add((firstToken - t0) / 1e9);
        completionTokens.add(completion);
        reasoningTokens.add(reasoning);
    }

    LoadTest.Report report(LoadTest.Settings s, double seconds, List<LoadTest.Sample> samples, double meanBatch) {
        Map<String, Long> st = new TreeMap<>();
        statuses.forEach((k, v) -> st.put(k, v.sum()));
        return new LoadTest.Report(s, seconds, ok.sum(), rateLimited.sum(), otherStatus.sum(), failures.sum(), st,
                List.copyOf(failureExamples), percentiles(latencies), percentiles(ttfts), completionTokens.sum(),
                reasoningTokens.sum(), samples, MemoryTrends.of(samples, s.duration().toNanos() / 1e9), meanBatch);
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
}
