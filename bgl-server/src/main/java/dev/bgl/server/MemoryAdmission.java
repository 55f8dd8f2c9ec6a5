package dev.bgl.server;

import dev.bgl.model.KvCache;
import dev.bgl.model.ModelConfig;
import dev.bgl.model.Transformer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap bookkeeping for generations, so that the server answers 503 instead of dying with
 * OutOfMemoryError. Each request's heap is estimated before prefill from its prompt length and
 * max_tokens (its session's KV cache, attention scores and scratch); it runs only if the sum over
 * running requests stays within the budget. A request over the per-request KV limit, or larger
 * than the whole budget, is refused with 400: waiting would not help it.
 */
public final class MemoryAdmission {
    /** Sessions are sized as the runner sizes them: prompt + max_tokens + this slack, capped by the context. */
    static final int SESSION_SLACK = 64;
    /** Fixed heap per generation beyond the session's arrays (generator buffers, response, objects). */
    static final long OVERHEAD_BYTES = 1 << 20;

    private final ModelConfig c;
    private final int context;
    private final dev.bgl.model.KvCacheType kvType;
    private final long budget;
    private final long kvPerRequest;
    private final AtomicLong reserved = new AtomicLong();

    /**
     * @param kvType         how the cache stores keys and values (a block type is counted per block)
     * @param budget         bytes all running generations may reserve together (> 0)
     * @param kvPerRequest   largest KV cache one request may reserve (0: none of its own)
     */
    public MemoryAdmission(ModelConfig c, int context, dev.bgl.model.KvCacheType kvType, long budget, long kvPerRequest) {
        if (budget <= 0) throw new IllegalArgumentException("memory budget must be > 0, got " + budget);
        this.c = c;
        this.context = context;
        this.kvType = kvType;
        this.budget = budget;
        this.kvPerRequest = kvPerRequest;
    }

    /**
     * The automatic budget: half of the heap still free once the model is loaded (weights that live
     * on the heap are then counted as used), leaving the other half for Jetty, JSON, the predictor
     * and the collector's headroom.
     */
    public static long defaultBudget() {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        return Math.max(1, (rt.maxMemory() - used) / 2);
    }

    public long budget() {
        return budget;
    }

    /** Bytes reserved by running generations now. */
    public long reserved() {
        return reserved.get();
    }

    /** Tokens the session of a request holds room for (as {@code BudgetRunner} sizes it). */
    int sessionTokens(int promptTokens, int maxTokens) {
        long want = (long) promptTokens + maxTokens + SESSION_SLACK;
        return (int) Math.max(Math.min(context, want), promptTokens + 1L);
    }

    /** Bytes the KV cache holds for {@code tokens} positions (a sliding-window layer: its window): what the per-request KV limit is compared with. */
    long kvBytes(int tokens) {
        return c.kvBytes(kvType, tokens);
    }

    /** Heap the cache allocates for {@code tokens} positions: whole pages of {@link KvCache#PAGE}. */
    long kvHeapBytes(int tokens) {
        long pages = (tokens + KvCache.PAGE - 1) / KvCache.PAGE;
        return c.kvBytes(kvType, pages * KvCache.PAGE);
    }

    /** Heap one generation takes: KV cache, attention scores, the forward pass's scratch, logits and hidden states. */
    public long estimate(int promptTokens, int maxTokens) {
        int n = sessionTokens(promptTokens, maxTokens);
        long chunk = Transformer.MAX_CHUNK;
        long ffn = Math.max(c.ffnDim(), c.widestFfn());
        var e = c.experts(); // routing scratch and each token's weighted expert outputs
        long expertFloats = e == null ? 0 : chunk * (e.count() + 2L * e.used() + 2L * c.dim() + (long) e.used() * c.dim());
        long scratchFloats = chunk * (2L * c.dim() + c.qDim() + c.kvDim() + c.vDim() + (long) c.heads() * c.valueHeadDim() + 3L * ffn)
                + Math.max(c.dim(), ffn) + expertFloats
                + c.vocabSize() + (long) c.dim() * (c.layers() + 2);
        long widest = Math.max(Math.max(c.dim(), ffn), (long) c.heads() * c.valueHeadDim());
        long activations = chunk * widest * 8; // floats, bytes, shorts and block sums per value
        long scores = 4L * c.heads() * n
                + 4L * c.heads() * Math.max(c.headDim(), c.valueHeadDim()) * KvCache.PAGE; // and each head's widened page
        return kvHeapBytes(n) + scores + 4 * scratchFloats + activations + OVERHEAD_BYTES;
    }

    /**
     * The largest max_tokens up to {@code want} that keeps the request within the per-request KV
     * limit and the whole budget; {@code want} itself when even 1 does not fit (checkFits then says why).
     */
    public int fitMaxTokens(int promptTokens, int want) {
        if (fits(promptTokens, want)) return want;
        if (!fits(promptTokens, 1)) return want;
        int lo = 1, hi = want; // fits(lo), !fits(hi)
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (fits(promptTokens, mid)) lo = mid;
            else hi = mid;
        }
        return lo;
    }

    private boolean fits(int promptTokens, int maxTokens) {
        return (kvPerRequest <= 0 || kvBytes(sessionTokens(promptTokens, maxTokens)) <= kvPerRequest) && estimate(promptTokens, maxTokens) <= budget;
    }

    /** 400 before any slot or prefill when the request is over the per-request KV limit or could never fit. */
    public void checkFits(int promptTokens, int maxTokens) {
        long kv = kvBytes(sessionTokens(promptTokens, maxTokens));
        if (kvPerRequest > 0 && kv > kvPerRequest) {
            long fit = Math.min(Integer.MAX_VALUE, c.kvTokensWithin(kvType, kvPerRequest)) - promptTokens - SESSION_SLACK;
            throw new ApiError(400, "invalid_request_error", "the prompt (" + promptTokens + " tokens) and max_tokens " + maxTokens
                    + " need " + kv + " bytes of KV cache, more than this server allows per request (" + kvPerRequest + ", --max-kv-bytes-per-request)"
                    + (fit >= 1 ? "; ask for max_tokens <= " + fit : "; the prompt alone is too long"), "max_tokens", "kv_cache_too_large");
        }
        long need = estimate(promptTokens, maxTokens);
        if (need > budget)
            throw new ApiError(400, "invalid_request_error", "the prompt (" + promptTokens + " tokens) and max_tokens " + maxTokens
                    + " need about " + need + " bytes of memory, more than this server's whole budget (" + budget
                    + ", --max-memory): lower max_tokens or shorten the messages", "max_tokens", "memory_never_fits");
    }

    /** Reserves {@code bytes} (503 overloaded_error when they do not fit beside the running requests); close to release. */
    public Reservation reserve(long bytes) {
        for (long now = reserved.get(); ; now = reserved.get()) {
            if (now + bytes > budget)
                throw new ApiError(503, "overloaded_error", "server memory is busy: this request needs about " + bytes + " bytes and "
                        + (budget - now) + " of the " + budget + " byte budget are free now; retry later or lower max_tokens", null, "memory_busy");
            if (reserved.compareAndSet(now, now + bytes)) return new Reservation(bytes);
        }
    }

    /** Bytes held by one running request; closing twice releases once. */
    public final class Reservation implements AutoCloseable {
        private long bytes;

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        @Override
        public void close() {
            long b = bytes;
            bytes = 0;
            reserved.addAndGet(-b);
        }
    }
}
