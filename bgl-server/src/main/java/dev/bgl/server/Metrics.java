package dev.bgl.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The server's counters, gauges and latency histogram, written in the Prometheus text format. */
public final class Metrics {
    /** Upper bounds of the generation latency buckets, in seconds. */
    static final double[] LATENCY_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder(), completionTokens = new LongAdder(), thinkingTokens = new LongAdder();
    private final LongAdder withinBudget = new LongAdder(), overBudget = new LongAdder(), cancelled = new LongAdder();
    private final Histogram latency = new Histogram(LATENCY_BUCKETS);
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    /** Set by the engine: its memory budget and reservations are exported as gauges. */
    volatile MemoryAdmission memory;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger queued = new AtomicInteger();
    /**
     * KV bytes the tokens generated so far by the running generations take (their caches hold these and the prompt's):
     * per generation, {@link dev.bgl.decode.LoadedModel#kvBytes} of prompt and output less that of the prompt, so a
     * sliding-window layer (gpt-oss) stops adding once its window is full.
     */
    final java.util.concurrent.atomic.AtomicLong liveKvBytes = new java.util.concurrent.atomic.AtomicLong();
    /** Set by the engine: the batch's step counters and rates are exported. */
    volatile dev.bgl.decode.Scheduler scheduler;
    /** Upper bounds of the queue-wait and time-to-first-token buckets, in seconds. */
    static final double[] WAIT_BUCKETS = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private final Histogram queueWait = new Histogram(WAIT_BUCKETS), firstToken = new Histogram(WAIT_BUCKETS);

    /** A cumulative histogram (Prometheus): counts per upper bound, the sum and the count. */
    private static final class Histogram {
        final double[] bounds;
        final LongAdder[] buckets;
        final LongAdder count = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            buckets = new LongAdder[bounds.length];
            for (int i = 0; i < bounds.length; i++) buckets[i] = new LongAdder();
        }

        void observe(double v) {
            count.increment();
            sum.add(v);
            for (int i = 0; i < bounds.length; i++) if (v <= bounds[i]) buckets[i].increment();
        }

        void render(StringBuilder sb, String name, String help) {
            sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
            sb.append("# TYPE ").append(name).append(" histogram\n");
            for (int i = 0; i < bounds.length; i++)
                sb.append(name).append("_bucket{le=\"").append(num(bounds[i])).append("\"} ").append(buckets[i].sum()).append('\n');
            sb.append(name).append("_bucket{le=\"+Inf\"} ").append(count.sum()).append('\n');
            sb.append(name).append("_sum ").append(num(sum.sum())).append('\n');
            sb.append(name).append("_count ").append(count.sum()).append('\n');
        }
    }

    /** A generation's times in the batch: how long it waited for a slot, and for its first token. */
    public void batchRun(dev.bgl.decode.Scheduler.Ticket t) {
        if (t.queueNanos() >= 0) queueWait.observe(t.queueNanos() / 1e9);
        if (t.firstTokenNanos() >= 0) firstToken.observe(t.firstTokenNanos() / 1e9);
    }

    /** Mean time to first token so far, in seconds (NaN before any). */
    public double meanFirstTokenSeconds() {
        long n = firstToken.count.sum();
        return n == 0 ? Double.NaN : firstToken.sum.sum() / n;
    }

    /** One answered HTTP request; {@code path} should be a known route (labels stay few). */
    public void request(String path, int status) {
        requests.computeIfAbsent(path + "\u0000" + status, k -> new LongAdder()).increment();
    }

    /** One finished (or cancelled) generation. {@code withinBudget}: null when it had no budget. */
    public void generation(int prompt, int thinking, int completion, double seconds, Boolean withinBudget, boolean wasCancelled) {
        promptTokens.add(prompt);
        thinkingTokens.add(thinking);
        completionTokens.add(completion);
        if (withinBudget != null) (withinBudget ? this.withinBudget : overBudget).increment();
        if (wasCancelled) cancelled.increment();
        latency.observe(seconds);
    }

    /**
     * One request refused for its resources: {@code queue_full} (429), {@code memory_busy} (503),
     * {@code memory_never_fits}, {@code kv_cache_too_large}, {@code max_tokens_too_large} (400).
     */
    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    /** Requests refused so far for this reason. */
    public long rejections(String reason) {
        LongAdder a = rejected.get(reason);
        return a == null ? 0 : a.sum();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Requests waiting for a slot in the batch. */
    public int queued() {
        var s = scheduler;
        return s == null ? queued.get() : s.stats().waiting();
    }

    /** The text exposition format, version 0.0.4. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP bgl_http_requests_total HTTP requests answered, by route and status.\n");
        sb.append("# TYPE bgl_http_requests_total counter\n");
        Map<String, Long> sorted = new TreeMap<>();
        requests.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((k, v) -> {
            String[] pathStatus = k.split("\u0000");
            sb.append("bgl_http_requests_total{path=\"").append(escape(pathStatus[0])).append("\",status=\"")
                    .append(pathStatus[1]).append("\"} ").append(v).append('\n');
        });
        counter(sb, "bgl_prompt_tokens_total", "Prompt tokens of generations.", promptTokens.sum());
        counter(sb, "bgl_completion_tokens_total", "Generated tokens (thinking and answer).", completionTokens.sum());
        counter(sb, "bgl_thinking_tokens_total", "Generated thinking tokens.", thinkingTokens.sum());
        counter(sb, "bgl_generations_cancelled_total", "Generations stopped because the client went away.", cancelled.sum());
        sb.append("# HELP bgl_budget_requests_total Generations under a budget, by whether the thinking kept it.\n");
        sb.append("# TYPE bgl_budget_requests_total counter\n");
        sb.append("bgl_budget_requests_total{within_budget=\"true\"} ").append(withinBudget.sum()).append('\n');
        sb.append("bgl_budget_requests_total{within_budget=\"false\"} ").append(overBudget.sum()).append('\n');
        latency.render(sb, "bgl_generation_seconds", "Wall time of generations.");
        gauge(sb, "bgl_queue_length", "Requests waiting for a generation slot.", queued());
        gauge(sb, "bgl_in_flight", "Generations running now.", inFlight.get());
        var sch = scheduler;
        if (sch != null) {
            var st = sch.stats();
            gauge(sb, "bgl_batch_size", "Sequences decoded in the last step of the batch.", st.lastBatch());
            gaugeD(sb, "bgl_batch_size_mean", "Mean sequences per decode step since start.", st.meanBatch());
            gauge(sb, "bgl_batch_slots", "Sequences the batch decodes together at most (--max-concurrent).", sch.config().maxSequences());
            counter(sb, "bgl_batch_steps_total", "Batched decode steps (one forward pass each).", st.steps());
            counter(sb, "bgl_batch_decoded_tokens_total", "Tokens decoded by the batch.", st.decodedTokens());
            counter(sb, "bgl_batch_prefilled_tokens_total", "Prompt tokens prefilled by the batch.", st.prefilledTokens());
            gaugeD(sb, "bgl_decode_tokens_per_second", "Decode tokens per second of the whole batch, recent steps.", st.tokensPerSecond());
            gaugeD(sb, "bgl_decode_tokens_per_second_per_sequence", "Decode tokens per second of one sequence in the batch, recent steps.",
                    st.lastBatch() == 0 ? 0 : st.tokensPerSecond() / st.lastBatch());
        }
        queueWait.render(sb, "bgl_queue_wait_seconds", "Time generations waited for a slot in the batch.");
        firstToken.render(sb, "bgl_time_to_first_token_seconds", "Time from a generation's submission to its first token.");
        sb.append("# HELP bgl_rejected_requests_total Requests refused for their resources, by reason.\n");
        sb.append("# TYPE bgl_rejected_requests_total counter\n");
        new TreeMap<>(rejected).forEach((k, v) -> sb.append("bgl_rejected_requests_total{reason=\"").append(escape(k)).append("\"} ")
                .append(v.sum()).append('\n'));
        MemoryAdmission m = memory;
        if (m != null) {
            gauge(sb, "bgl_memory_budget_bytes", "Heap all running generations may reserve (--max-memory).", m.budget());
            gauge(sb, "bgl_memory_reserved_bytes", "Heap reserved by running generations now.", m.reserved());
        }
        memory(sb);
        return sb.toString();
    }

    /**
     * Memory gauges, to see whether a long run leaks: JVM heap (used, committed, and used after the
     * last collection of each heap pool: the live data, without the garbage a sample of "used" catches),
     * non-heap, the process's resident set (Linux only) and the KV caches of live sessions.
     */
    private void memory(StringBuilder sb) {
        var mem = java.lang.management.ManagementFactory.getMemoryMXBean();
        var heap = mem.getHeapMemoryUsage();
        var nonHeap = mem.getNonHeapMemoryUsage();
        gauge(sb, "bgl_jvm_heap_used_bytes", "JVM heap in use (live data and garbage not yet collected).", heap.getUsed());
        gauge(sb, "bgl_jvm_heap_committed_bytes", "JVM heap committed by the OS.", heap.getCommitted());
        gauge(sb, "bgl_jvm_heap_after_gc_bytes", "JVM heap left by the last collections: young pools after their last collection plus the old generation now.", heapAfterGc());
        gauge(sb, "bgl_jvm_nonheap_used_bytes", "JVM non-heap memory in use (metaspace, code cache).", nonHeap.getUsed());
        long rss = dev.bgl.util.ProcessMemory.residentBytes();
        if (rss >= 0) gauge(sb, "bgl_process_rss_bytes", "Resident set size of the server process (VmRSS).", rss);
        gauge(sb, "bgl_live_sessions", "Sessions (KV caches) alive now: one per running generation.", inFlight.get());
        gauge(sb, "bgl_kv_live_bytes", "KV-cache bytes of the tokens generated so far by the running generations.",
                liveKvBytes.get());
    }

    /**
     * Heap the last collections left: young pools (eden, survivor) as their last collection left
     * them, the old generation as it is now. The old generation changes only at collections
     * (promotion, full or mixed collection), so its use now is its use after the last one; its own
     * "collection usage" is updated by full collections only (ParallelGC), which a steady server may
     * never run.
     */
    static long heapAfterGc() {
        long sum = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != java.lang.management.MemoryType.HEAP) continue;
            String name = pool.getName();
            var u = name.contains("Old") || name.contains("Tenured") ? pool.getUsage() : pool.getCollectionUsage();
            if (u != null) sum += u.getUsed();
        }
        return sum;
    }

    private static void counter(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void gaugeD(StringBuilder sb, String name, String help, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(num(v)).append('\n');
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%s", d);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
