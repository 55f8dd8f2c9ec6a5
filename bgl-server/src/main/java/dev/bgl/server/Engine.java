package dev.bgl.server;

import dev.bgl.api.PhaseSplitter;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.budget.Plan;
import dev.bgl.budget.Planner;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.RunnerSettings;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.StopReason;
import dev.bgl.util.BglException;

import dev.bgl.budget.BudgetScheduler;
import dev.bgl.decode.Scheduler;
import dev.bgl.decode.ThinkingFormat;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Runs generations for the server by continuous batching: every request's plan joins one
 * {@link BudgetScheduler}, whose thread decodes up to {@code maxConcurrent} of them together, one
 * batched forward pass per step; at most {@code maxQueue} more wait for a slot, and beyond that a
 * request is refused at once. The scheduler's thread hands each token to the request's own
 * thread through a queue, so a slow client delays only its own stream, never the batch.
 */
public final class Engine implements AutoCloseable {
    private final LoadedModel model;
    private final BudgetScheduler scheduler;
    private final int maxConcurrent;
    /** Requests between admission and their end (running or waiting for a slot). */
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    /** Makes each request's plan once, before it waits for a slot: stateless, shared by all requests. */
    private final Planner planner;
    private final int answerMax;
    private final int maxQueue;
    private final boolean hasPredictor;
    private final Metrics metrics;
    private final MemoryAdmission memory;
    private final GuidanceOptions guidance;
    /**
     * Tests only: a pause after each token, on the batch's thread (the whole batch slows, as on a
     * slow model), so a generation lasts long enough to be cancelled or to hold a slot.
     */
    volatile long testTokenDelayMillis;
    /**
     * Tests only: called after each token with the generation's token count so far, on the batch's
     * thread; a test blocks in it to hold a generation (and the batch with it) at a known point
     * instead of racing it.
     */
    volatile java.util.function.IntConsumer testAfterToken;

    /**
     * @param runners what each slot's runner is made with (predictor, guidance, answer cap)
     * @param config  the slots ({@code maxConcurrent}), the queue, the memory all generations may reserve
     *                ({@code maxMemoryBytes}, 0: {@link MemoryAdmission#defaultBudget()}, taken now, after the model and
     *                before the runners) and the largest KV cache of one request (0: no limit of its own)
     */
    public Engine(LoadedModel model, RunnerSettings runners, ServerConfig config, Metrics metrics) {
        this.memory = new MemoryAdmission(model.transformer().config(), model.defaultContext(), model.kvType(),
                config.maxMemoryBytes() > 0 ? config.maxMemoryBytes() : MemoryAdmission.defaultBudget(), config.maxKvBytesPerRequest());
        metrics.memory = memory;
        this.model = model;
        this.guidance = runners.guidance();
        this.maxQueue = config.maxQueue();
        this.hasPredictor = runners.predictor() != null;
        this.metrics = metrics;
        this.maxConcurrent = config.maxConcurrent();
        // memory is admitted here (MemoryAdmission, before a request waits); the scheduler keeps only the slots
        this.scheduler = new BudgetScheduler(new BudgetRunner(model, runners),
                new Scheduler.Config(config.maxConcurrent(), Long.MAX_VALUE, 2 * dev.bgl.model.Transformer.MAX_CHUNK));
        metrics.scheduler = scheduler.scheduler();
        this.planner = new Planner(model, runners.answerReserve());
        this.answerMax = runners.answerMax() > 0 ? runners.answerMax() : model.card().answerMaxTokens();
    }

    public LoadedModel model() {
        return model;
    }

    /** The answer cap in force. */
    public int answerMax() {
        return answerMax;
    }

    /** The ceiling grace a guided run of this request keeps (−1: soft), for the response. */
    public int ceilingGrace(BudgetRequest req) {
        return BudgetRunner.ceilingGrace(guidance, req);
    }

    /**
     * The request's plan, made once before it waits for a slot: 400 context_length_exceeded when the
     * prompt leaves no room to generate, 400 naming 'budget' when a KV budget cannot hold the prompt
     * and an answer; a {@link BglException} when the template refuses the conversation.
     */
    public Plan plan(BudgetRequest req) {
        return plan(req, null);
    }

    /**
     * As {@link #plan(BudgetRequest)}, the chat template rendering {@code reasoningEffort} (low, medium, high) for this
     * request; null: the server's ({@code serve --reasoning-effort}, else the template's default).
     */
    public Plan plan(BudgetRequest req, String reasoningEffort) {
        try {
            Planner p = reasoningEffort == null || reasoningEffort.equals(model.reasoningEffort()) ? planner
                    : new Planner(model.withReasoningEffort(reasoningEffort), planner.answerReserve());
            Plan plan = p.plan(req);
            checkContext(plan.prompt().length);
            return plan;
        } catch (Planner.KvBudgetTooSmall e) {
            checkContext(e.promptTokens()); // a prompt past the context is that, whatever the budget
            throw ApiError.invalid("budget", e.getMessage());
        }
    }

    private void checkContext(int promptTokens) {
        if (promptTokens + 1 > context()) throw ApiError.contextLength(promptTokens, context());
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

    public MemoryAdmission memory() {
        return memory;
    }

    /** Live state a streaming client sees: thinking tokens the predictor still expects (NaN: none). */
    public interface Progress {
        double predictedRemaining();
    }

    /**
     * Queues the request for a slot in the batch (429 when the queue is full), reserves its memory
     * (503 when it does not fit beside the running ones; nothing is allocated then), runs it, frees
     * both. The listener runs on this thread, token by token as the batch produces them;
     * {@code progress} is set before the first token.
     */
    public Generated run(Plan plan, PhaseSplitter listener, java.util.function.Consumer<Progress> progress) {
        BudgetRequest req = plan.request();
        admit();
        MemoryAdmission.Reservation held;
        try {
            held = memory.reserve(memory.estimate(plan.prompt().length, req.maxTokens()));
        } catch (ApiError e) {
            active.decrementAndGet();
            throw e;
        }
        metrics.inFlight.incrementAndGet();
        long t0 = System.nanoTime();
        // the KV bytes this generation's output takes, for the live-KV gauge (windowed layers stop growing)
        int promptTokens = plan.prompt().length;
        long kvHeld = 0, generated = 0, promptKv = model.kvBytes(promptTokens);
        BlockingQueue<Token> tokens = new LinkedBlockingQueue<>();
        try (held) {
            long delay = testTokenDelayMillis;
            java.util.function.IntConsumer hook = testAfterToken;
            int[] produced = {0};
            BudgetScheduler.Submitted sub = scheduler.submit(plan, (id, text, forced, phase) -> {
                tokens.add(new Token(id, text, forced, phase));
                // the test hooks pace or hold the batch itself, as a slow model would
                produced[0]++;
                if (hook != null) hook.accept(produced[0]);
                if (delay > 0) sleep(delay);
            });
            sub.metered().whenComplete((m, e) -> tokens.add(Token.END));
            progress.accept(sub.run()::predictedRemaining);
            for (Token t; (t = take(tokens, req)) != Token.END; ) {
                long now = model.kvBytes(promptTokens + ++generated) - promptKv;
                metrics.liveKvBytes.addAndGet(now - kvHeld);
                kvHeld = now;
                listener.onToken(t.id(), t.text(), t.forced(), t.phase());
            }
            BudgetRunner.Metered m = sub.metered().join();
            metrics.batchRun(sub.ticket());
            listener.finish();
            double seconds = (System.nanoTime() - t0) / 1e9;
            BudgetOutcome o = m.outcome();
            boolean cancelled = o.result().stopReason() == StopReason.CANCELLED;
            return new Generated(o, o.result().promptTokens(), seconds, o.withinBudget(), cancelled,
                    req.method() instanceof Method.Guided && !req.noThinking() ? ceilingGrace(req) : null);
        } catch (CompletionException e) {
            throw failure(e.getCause());
        } catch (OutOfMemoryError | BglException e) {
            throw failure(e);
        } finally {
            metrics.liveKvBytes.addAndGet(-kvHeld);
            metrics.inFlight.decrementAndGet();
            active.decrementAndGet();
        }
    }

    /** A token as the scheduler's thread hands it over; {@link #END} after the last. */
    private record Token(int id, String text, boolean forced, ThinkingFormat.Phase phase) {
        static final Token END = new Token(-2, "", false, null);
    }

    /** The next token; an interrupted request thread (the server stopping) cancels its sequence. */
    private static Token take(BlockingQueue<Token> tokens, BudgetRequest req) {
        try {
            return tokens.take();
        } catch (InterruptedException e) {
            req.cancellation().cancel();
            Thread.currentThread().interrupt();
            throw ApiError.overloaded("server is stopping");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a failed run tells the client: its own error, never a stack trace. */
    private static RuntimeException failure(Throwable e) {
        if (e instanceof ApiError a) return a;
        if (e instanceof OutOfMemoryError) return ApiError.overloaded("not enough memory for this request now (" + e.getMessage() + "); try fewer max_tokens or later");
        if (e instanceof BglException b) return ApiError.invalid(null, b.getMessage());
        return e instanceof RuntimeException r ? r : new RuntimeException(e);
    }

    /** Takes a place among the requests in the engine: a slot, or the queue; 429 when the queue is full. */
    private void admit() {
        int now = active.incrementAndGet();
        if (now > maxConcurrent + maxQueue) {
            active.decrementAndGet();
            throw ApiError.rateLimited();
        }
    }

    /** What the batch has done so far. */
    public Scheduler.Stats batchStats() {
        return scheduler.scheduler().stats();
    }

    /** Sequences the batch decodes together at most. */
    public int slots() {
        return maxConcurrent;
    }

    /** Requests waiting for a slot in the batch now. */
    public int waiting() {
        return Math.max(0, active.get() - maxConcurrent);
    }

    /** Stops the batch: running and waiting sequences end. */
    @Override
    public void close() {
        scheduler.close();
    }
}
