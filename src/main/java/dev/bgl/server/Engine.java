package dev.bgl.server;

import dev.bgl.budget.BudgetController;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.ThinkingTracker.Phase;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.GuidanceOptions;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.StopReason;
import dev.bgl.util.BglException;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs generations for the server: at most {@code maxConcurrent} at once, each on its own
 * {@link BudgetRunner} (a runner keeps per-run state, e.g. its predictor's buffers, so it must not
 * serve two requests at once; the model's weights and the kernels' thread pool are shared and
 * safe), with at most {@code maxQueue} requests waiting; beyond that a request is refused at once.
 */
public final class Engine {
    private final LoadedModel model;
    private final BlockingQueue<BudgetRunner> idle;
    private final BudgetRunner planner;
    private final int maxQueue;
    private final boolean hasPredictor;
    private final Metrics metrics;
    private final MemoryAdmission memory;
    private final GuidanceOptions guidance;
    /** Tests only: a pause after each token, so a generation lasts long enough to be cancelled or to hold a slot. */
    volatile long testTokenDelayMillis;
    /**
     * Tests only: called after each token with the generation's token count so far, on its thread;
     * a test blocks in it to hold a generation at a known point instead of racing it.
     */
    volatile java.util.function.IntConsumer testAfterToken;

    /** @param predictor null: no {@code guided} method */
    public Engine(LoadedModel model, BudgetPredictor predictor, GuidanceOptions options, int maxConcurrent, int maxQueue, Metrics metrics) {
        this(model, predictor, options, maxConcurrent, maxQueue, metrics, 0, 0);
    }

    /**
     * @param memoryBudget  heap all running generations may reserve (0: {@link MemoryAdmission#defaultBudget()}, taken now,
     *                      after the model and before the runners)
     * @param kvPerRequest  largest KV cache of one request (0: no limit of its own)
     */
    public Engine(LoadedModel model, BudgetPredictor predictor, GuidanceOptions options, int maxConcurrent, int maxQueue, Metrics metrics,
                  long memoryBudget, long kvPerRequest) {
        this.memory = new MemoryAdmission(model.transformer().config(), model.defaultContext(), model.kvType(),
                memoryBudget > 0 ? memoryBudget : MemoryAdmission.defaultBudget(), kvPerRequest);
        metrics.memory = memory;
        this.model = model;
        this.guidance = options;
        this.maxQueue = maxQueue;
        this.hasPredictor = predictor != null;
        this.metrics = metrics;
        this.idle = new ArrayBlockingQueue<>(maxConcurrent);
        // each runner makes its own predictor instance (own buffers) on the shared weights
        for (int i = 0; i < maxConcurrent; i++) idle.add(new BudgetRunner(model, predictor, options));
        this.planner = new BudgetRunner(model); // renders prompts only: stateless
    }

    public LoadedModel model() {
        return model;
    }

    /** Applies an answer cap to every runner (at start, before requests): {@code serve --answer-max}. */
    public void withAnswerMax(int tokens) {
        for (BudgetRunner r : idle) r.withAnswerMax(tokens);
        planner.withAnswerMax(tokens);
    }

    /** The answer cap in force. */
    public int answerMax() {
        return planner.answerMax();
    }

    /** The ceiling grace a guided run of this request keeps (−1: soft), for the response. */
    public int ceilingGrace(BudgetRequest req) {
        return BudgetRunner.ceilingGrace(guidance, req);
    }

    /** Before a slot: a KV budget must leave room for the prompt and an answer (400 naming 'budget' otherwise). */
    public void checkKvBudget(BudgetRequest req, int promptTokens) {
        try {
            planner.checkKvBudget(req, promptTokens);
        } catch (BglException e) {
            throw ApiError.invalid("budget", e.getMessage());
        }
    }

    public boolean hasPredictor() {
        return hasPredictor;
    }

    /** Tokens a session may hold: prompt and output together. */
    public int context() {
        return model.defaultContext();
    }

    /** What one generation produced, with what the response reports. */
    /** @param ceilingGrace for guided runs, the ceiling's grace (−1: a soft budget); null for other methods */
    public record Generated(BudgetOutcome outcome, int promptTokens, double seconds, boolean withinBudget, boolean cancelled,
                            Integer ceilingGrace) {
        public Generated(BudgetOutcome outcome, int promptTokens, double seconds, boolean withinBudget, boolean cancelled) {
            this(outcome, promptTokens, seconds, withinBudget, cancelled, null);
        }

        public String finishReason() {
            StopReason r = outcome.result().stopReason();
            return r == StopReason.MAX_TOKENS || r == StopReason.CONTEXT_FULL ? "length" : "stop";
        }
    }

    /** Where the prompt leaves the model (thinking opened by the template or not), for the stream's splitter. */
    public Phase promptPhase(BudgetRequest req) {
        return planner.promptPhase(req);
    }

    /** Prompt tokens of the request; 400 context_length_exceeded when they leave no room to generate. */
    public int countPrompt(BudgetRequest req) {
        int n = model.encodePrompt(planner.promptText(req)).length;
        if (n + 1 > context()) throw ApiError.contextLength(n, context());
        return n;
    }

    public MemoryAdmission memory() {
        return memory;
    }

    /** Live state a streaming client sees: thinking tokens the predictor still expects (NaN: none). */
    public interface Progress {
        double predictedRemaining();
    }

    /**
     * Waits for a slot (429 when the queue is full), reserves the request's memory (503 when it does
     * not fit beside the running ones; nothing is allocated then), runs the request, frees both. The
     * listener runs on this thread; {@code progress} is set before the first token.
     *
     * @param promptTokens as {@link #countPrompt} counted them
     */
    public Generated run(BudgetRequest req, int promptTokens, PhaseSplitter listener, java.util.function.Consumer<Progress> progress) {
        BudgetRunner runner = take();
        MemoryAdmission.Reservation held;
        try {
            held = memory.reserve(memory.estimate(promptTokens, req.maxTokens()));
        } catch (ApiError e) {
            idle.add(runner);
            throw e;
        }
        metrics.inFlight.incrementAndGet();
        long t0 = System.nanoTime();
        long[] kvHeld = {0}; // tokens this generation's KV cache holds, for the live-KV gauge
        try (held) {
            progress.accept(runner::predictedRemaining);
            long delay = testTokenDelayMillis;
            java.util.function.IntConsumer hook = testAfterToken;
            BudgetRunner.Metered m = runner.runMetered(req, (id, text, forced) -> {
                kvHeld[0]++;
                metrics.liveKvTokens.incrementAndGet();
                listener.onToken(id, text, forced);
                if (hook != null) hook.accept((int) kvHeld[0]);
                if (delay <= 0) return;
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            listener.finish();
            double seconds = (System.nanoTime() - t0) / 1e9;
            BudgetOutcome o = m.outcome();
            boolean cancelled = o.result().stopReason() == StopReason.CANCELLED;
            return new Generated(o, o.result().promptTokens(), seconds, within(req, o, m.controller(), seconds), cancelled,
                    req.method() instanceof Method.Guided && !BudgetRunner.zeroBudget(req) ? runner.ceilingGrace(req) : null);
        } catch (OutOfMemoryError e) {
            throw ApiError.overloaded("not enough memory for this request now (" + e.getMessage() + "); try fewer max_tokens or later");
        } catch (BglException e) {
            throw ApiError.invalid(null, e.getMessage());
        } finally {
            metrics.liveKvTokens.addAndGet(-kvHeld[0]);
            metrics.inFlight.decrementAndGet();
            idle.add(runner);
        }
    }

    private BudgetRunner take() {
        BudgetRunner r = idle.poll();
        if (r != null) return r;
        if (metrics.queued.incrementAndGet() > maxQueue) {
            metrics.queued.decrementAndGet();
            throw ApiError.rateLimited();
        }
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.overloaded("server is stopping");
        } finally {
            metrics.queued.decrementAndGet();
        }
    }

    /** Whether every limit was kept (true for methods without a budget). */
    static boolean within(BudgetRequest req, BudgetOutcome o, BudgetController c, double seconds) {
        if (!req.method().usesBudget()) return true;
        if (o.answerOverrun()) return false; // reasoning on in the answer is not keeping the budget
        if (req.limits().isEmpty()) return o.thinkingTokens() <= req.budget();
        long tokensProcessed = o.result().promptTokens() + (long) o.result().tokens().length;
        for (BudgetUnit u : req.limits()) {
            boolean ok = switch (u) {
                case BudgetUnit.Tokens t -> o.thinkingTokens() <= t.n();
                case BudgetUnit.Seconds s -> seconds <= s.s();
                case BudgetUnit.KvBytes b -> c == null || c.kvBytes() <= b.bytes();
                case BudgetUnit.Flops f -> c == null || c.flopsSpent() <= f.f();
                case BudgetUnit.Cost k -> tokensProcessed * k.pricePer1kTokens() / 1000 <= k.total();
            };
            if (!ok) return false;
        }
        return true;
    }
}
