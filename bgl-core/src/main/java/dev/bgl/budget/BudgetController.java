package dev.bgl.budget;

import dev.bgl.model.ModelConfig;
import dev.bgl.util.BglException;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Converts limits in seconds, KV-cache bytes, FLOPs, money or tokens into the thinking tokens R
 * left at each step, from measurements of this run: the prefill time, the decode time per token
 * (exponentially smoothed, so a slower machine or a slower phase gets a smaller R), the KV bytes
 * per cached token and the FLOPs per token at the current context. R is the minimum over the
 * limits, less a reserve of tokens for closing the thinking and writing the answer.
 *
 * <p>Call order: {@link #start} just before the prompt is fed, {@link #afterPrefill} once it is,
 * {@link #onToken} for every token that enters the sequence. All arithmetic; the clock is
 * injected so tests can run a fake one.
 */
public final class BudgetController implements ThinkingBudget {
    /** Weight of the newest token in the smoothed decode time. */
    public static final double SMOOTHING = 0.2;
    /**
     * Tokens kept for closing the thinking and writing the answer. The default model closes in 3
     * tokens and answers in up to 15 ("Answer: 91869" and the end token); at 16 its longest answers
     * were cut under KV limits (docs/results/memory), so 24 leaves room for them.
     */
    public static final int DEFAULT_ANSWER_RESERVE = 24;

    /**
     * What one token costs on this model.
     *
     * @param parameters                     weights touched per token (≈ 2 FLOPs each)
     * @param kvBytesPerToken                KV-cache bytes one token occupies, every layer counted
     * @param attentionFlopsPerToken         FLOPs attention adds per token already in the context, every layer counted
     * @param window                         the sliding window of the windowed layers (gpt-oss), 0 when none
     * @param windowedKvBytesPerToken        the windowed layers' share of {@code kvBytesPerToken}: past the window
     *                                       they hold no more (the cache releases what they no longer see)
     * @param windowedAttentionFlopsPerToken their share of {@code attentionFlopsPerToken}: past the window they attend to it only
     */
    public record CostModel(long parameters, long kvBytesPerToken, long attentionFlopsPerToken,
                            int window, long windowedKvBytesPerToken, long windowedAttentionFlopsPerToken) {
        /** A model whose layers all see every key. */
        public CostModel(long parameters, long kvBytesPerToken, long attentionFlopsPerToken) {
            this(parameters, kvBytesPerToken, attentionFlopsPerToken, 0, 0, 0);
        }

        /** From the model's config, with keys and values stored as {@code kv}. */
        public static CostModel of(ModelConfig c, dev.bgl.model.KvCacheType kv) {
            // QK^T over headDim and the weighted sum of values over valueHeadDim, multiply-add = 2 FLOPs
            long attnLayer = 2L * c.heads() * (c.headDim() + c.valueHeadDim());
            long kvLayer = c.kvBytesPerToken(kv) / c.layers();
            int window = 0, windowed = 0;
            for (int l = 0; l < c.layers(); l++)
                if (c.windowOf(l) > 0) {
                    window = Math.max(window, c.windowOf(l)); // gpt-oss: one window for all its windowed layers
                    windowed++;
                }
            // a mixture of experts computes with the experts it picks, not all of them
            return new CostModel(c.activeParameterCount(), c.kvBytesPerToken(kv), attnLayer * c.layers(),
                    window, kvLayer * windowed, attnLayer * windowed);
        }

        /** Positions past the window among the first {@code tokens}: those the windowed layers no longer count. */
        private long pastWindow(long tokens) {
            return window > 0 ? Math.max(0, tokens - window) : 0;
        }

        /** KV-cache bytes of a context of {@code tokens}: every layer up to the window, the full layers past it. */
        public long kvBytes(long tokens) {
            return kvBytesPerToken * tokens - windowedKvBytesPerToken * pastWindow(tokens);
        }

        /** The most tokens whose {@link #kvBytes} fit in {@code bytes} (Long.MAX_VALUE when only windowed layers grow and the window fits). */
        public long tokensWithin(long bytes) {
            if (bytes < 0) return bytes / kvBytesPerToken;
            if (window == 0 || windowedKvBytesPerToken == 0 || bytes < kvBytesPerToken * window) return bytes / kvBytesPerToken;
            long full = kvBytesPerToken - windowedKvBytesPerToken;
            return full == 0 ? Long.MAX_VALUE : window + (bytes - kvBytesPerToken * window) / full;
        }

        /** FLOPs to compute the token that goes to position {@code pos} (it attends to pos + 1 tokens, a windowed layer to its window). */
        public double flopsAt(long pos) {
            return 2.0 * parameters + (double) attentionFlopsPerToken * (pos + 1) - (double) windowedAttentionFlopsPerToken * pastWindow(pos + 1);
        }
    }

    private final List<BudgetUnit> limits;
    private final CostModel cost;
    private final int answerReserve;
    private final LongSupplier nanoTime;

    private long startNanos, lastNanos = -1;
    private long prefillNanos = -1;
    private int promptTokens, context;
    private double nanosPerToken = Double.NaN;
    private long decodeSteps;
    private double flopsSpent;

    public BudgetController(List<BudgetUnit> limits, CostModel cost, int answerReserve, LongSupplier nanoTime) {
        if (limits == null || limits.isEmpty()) throw new BglException("budget controller: no limits");
        if (answerReserve < 0) throw new BglException("budget controller: answer reserve must be >= 0 tokens, got " + answerReserve);
        this.limits = List.copyOf(limits);
        this.cost = cost;
        this.answerReserve = answerReserve;
        this.nanoTime = nanoTime;
    }

    public BudgetController(List<BudgetUnit> limits, CostModel cost) {
        this(limits, cost, DEFAULT_ANSWER_RESERVE, System::nanoTime);
    }

    /** Just before the prompt of {@code promptTokens} tokens is fed. */
    public void start(int promptTokens) {
        start(promptTokens, nanoTime.getAsLong());
    }

    /**
     * The same with the run's start time given: the caller took it before rendering the prompt and opening the
     * session, so a seconds budget counts everything the user waits for, not just the decode loop.
     */
    public void start(int promptTokens, long startNanos) {
        this.startNanos = startNanos;
        this.decodeSteps = 0;
        this.nanosPerToken = Double.NaN;
        this.lastNanos = -1;
        this.promptTokens = promptTokens;
        this.context = promptTokens;
        this.flopsSpent = 0;
        for (int i = 0; i < promptTokens; i++) flopsSpent += cost.flopsAt(i);
    }

    /** Once the prompt is fed: the prefill time is known and decoding begins. */
    public void afterPrefill() {
        long now = nanoTime.getAsLong();
        prefillNanos = now - startNanos;
        lastNanos = now;
    }

    /** A token entered the sequence; the time since the previous one is one decode step. */
    public void onToken() {
        long now = nanoTime.getAsLong();
        if (lastNanos >= 0) {
            double dt = now - lastNanos;
            nanosPerToken = Double.isNaN(nanosPerToken) ? dt : SMOOTHING * dt + (1 - SMOOTHING) * nanosPerToken;
            decodeSteps++;
        }
        lastNanos = now;
        flopsSpent += cost.flopsAt(context);
        context++;
    }

    @Override
    public int remaining(int spent, int contextLength) {
        return remainingThinking(spent, contextLength);
    }

    /** R: the thinking tokens left under every limit, the answer reserve taken off (may be negative). */
    public int remainingThinking(int thinkingSpent, int contextLength) {
        int ctx = Math.max(contextLength, context);
        long r = Long.MAX_VALUE;
        for (BudgetUnit u : limits) r = Math.min(r, tokensLeft(u, thinkingSpent, ctx));
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, r));
    }

    /** Thinking tokens left under one limit. */
    long tokensLeft(BudgetUnit u, int thinkingSpent, int ctx) {
        return switch (u) {
            // the classic budget counts thinking only; the answer was never part of it
            case BudgetUnit.Tokens t -> t.n() - thinkingSpent;
            case BudgetUnit.Seconds s -> {
                double left = s.s() * 1e9 - elapsedNanos();
                double per = nanosPerTokenEstimate();
                yield floor(left / per) - answerReserve;
            }
            case BudgetUnit.KvBytes k -> satSub(cost.tokensWithin(k.bytes()), (long) ctx + answerReserve);
            case BudgetUnit.Flops f -> tokensForFlops(f.f() - flopsSpent, ctx) - answerReserve;
            case BudgetUnit.Cost c -> floor(c.total() / c.pricePer1kTokens() * 1000) - ctx - answerReserve;
        };
    }

    /** Most tokens k at positions ctx, ctx+1, … whose FLOPs fit in {@code flops}: k·(2N + a(ctx+1)) + a·k(k−1)/2 ≤ flops. */
    long tokensForFlops(double flops, int ctx) {
        if (flops <= 0) return (long) Math.floor(flops / cost.flopsAt(ctx)); // overspent: how far, in tokens
        if (cost.window() > 0 && cost.windowedAttentionFlopsPerToken() > 0) return tokensForFlopsWindowed(flops, ctx);
        double a = cost.attentionFlopsPerToken(), b = cost.flopsAt(ctx);
        double k = a == 0 ? flops / b : (-(b - a / 2) + Math.sqrt((b - a / 2) * (b - a / 2) + 2 * a * flops)) / a;
        long n = (long) Math.floor(k);
        // guard the rounding of the closed form
        while (n > 0 && n * b + a * n * (n - 1) / 2 > flops) n--;
        return n;
    }

    /**
     * {@link #tokensForFlops} when windowed layers stop growing at their window: the FLOPs of k tokens
     * in closed form ({@link #flopsOf}), the largest k that fits found by doubling and bisection.
     */
    private long tokensForFlopsWindowed(double flops, int ctx) {
        return dev.bgl.util.Monotone.largest(k -> flopsOf(ctx, k) <= flops, 1L << 50);
    }

    /** FLOPs of the k tokens at positions ctx .. ctx+k−1: the sum of {@link CostModel#flopsAt}. */
    double flopsOf(int ctx, long k) {
        double a = cost.attentionFlopsPerToken(), w = cost.windowedAttentionFlopsPerToken();
        double linear = k * (2.0 * cost.parameters() + a * (ctx + 1)) + a * k * (k - 1) / 2;
        // token at position p attends to p + 1 keys; the windowed layers to the window only: subtract
        // w per key past the window, over the attended counts j = ctx+1 .. ctx+k
        long win = cost.window(), from = Math.max(ctx + 1L, win + 1), to = ctx + k;
        if (to < from) return linear;
        double m = to - from + 1;
        return linear - w * (m * (from - win) + m * (m - 1) / 2);
    }

    private static long satSub(long a, long b) {
        return a == Long.MAX_VALUE ? a : a - b;
    }

    private static long floor(double v) {
        return v >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.floor(v);
    }

    /**
     * The decode time per token to forecast with: the larger of the smoothed time (reacts to a slower phase) and
     * the mean over every decode step so far (remembers stalls: on a loaded machine a process loses the CPU now
     * and then, and a smoothed rate forgets those between stalls, so alone it forecasts too many tokens). Before any
     * step, the prefill's per-token time.
     */
    double nanosPerTokenEstimate() {
        if (!Double.isNaN(nanosPerToken)) return Math.max(Math.max(nanosPerToken, meanNanosPerToken()), 1);
        if (prefillNanos > 0 && promptTokens > 0) return Math.max((double) prefillNanos / promptTokens, 1);
        return 1;
    }

    // ---- what was spent, for reports ----

    public long elapsedNanos() {
        return nanoTime.getAsLong() - startNanos;
    }

    public long prefillNanos() {
        return prefillNanos;
    }

    /** Mean decode time per token over every step since the prefill (NaN before the first step). */
    public double meanNanosPerToken() {
        return decodeSteps == 0 ? Double.NaN : (double) (lastNanos - startNanos - prefillNanos) / decodeSteps;
    }

    /** The smoothed decode time per token in nanoseconds (NaN before the first decode step). */
    public double smoothedNanosPerToken() {
        return nanosPerToken;
    }

    /** Tokens in the sequence: prompt and every token that entered it. */
    public int contextLength() {
        return context;
    }

    public double flopsSpent() {
        return flopsSpent;
    }

    /** KV-cache bytes the run's tokens take (the last token is never fed, so this is an upper bound by one token). */
    public long kvBytes() {
        return cost.kvBytes(context);
    }

    public List<BudgetUnit> limits() {
        return limits;
    }

    public CostModel cost() {
        return cost;
    }

    public int answerReserve() {
        return answerReserve;
    }

    /** "4.3 s / 5 s, KV 12.1 MB / 64 MB, …" for the limits given (tokens from {@code thinkingTokens}). */
    public String spentSummary(int thinkingTokens) {
        StringBuilder sb = new StringBuilder();
        for (BudgetUnit u : limits) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(switch (u) {
                case BudgetUnit.Tokens t -> "thinking " + thinkingTokens + " / " + t.n() + " tokens";
                case BudgetUnit.Seconds s -> "time " + BudgetUnit.seconds(elapsedNanos() / 1e9) + " / " + u.label();
                case BudgetUnit.KvBytes k -> "KV " + BudgetUnit.bytes(kvBytes()) + " / " + u.label();
                case BudgetUnit.Flops f -> "compute " + BudgetUnit.flops(flopsSpent) + " / " + u.label();
                case BudgetUnit.Cost c -> "cost " + BudgetUnit.num(context * c.pricePer1kTokens() / 1000) + "$ / " + BudgetUnit.num(c.total()) + "$";
            });
        }
        return sb.toString();
    }
}
