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
    /** Makes each request's plan once, before it waits for a slot: stateless, shared by all requests. */
    private final Planner planner;
    private final int answerMax;
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
        this.idle = new ArrayBlockingQueue<>(config.maxConcurrent());
        // each runner makes its own predictor instance (own buffers) on the shared weights
        for (int i = 0; i < config.maxConcurrent(); i++) idle.add(new BudgetRunner(model, runners));
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
        try {
            Plan plan = planner.plan(req);
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
     * Waits for a slot (429 when the queue is full), reserves the request's memory (503 when it does
     * not fit beside the running ones; nothing is allocated then), runs the request, frees both. The
     * listener runs on this thread; {@code progress} is set before the first token.
     */
    public Generated run(Plan plan, PhaseSplitter listener, java.util.function.Consumer<Progress> progress) {
        BudgetRequest req = plan.request();
        BudgetRunner runner = take();
        MemoryAdmission.Reservation held;
        try {
            held = memory.reserve(memory.estimate(plan.prompt().length, req.maxTokens()));
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
            BudgetRunner.Metered m = runner.runMetered(plan, (id, text, forced, phase) -> {
                kvHeld[0]++;
                metrics.liveKvTokens.incrementAndGet();
                listener.onToken(id, text, forced, phase);
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
            return new Generated(o, o.result().promptTokens(), seconds, o.withinBudget(), cancelled,
                    req.method() instanceof Method.Guided && !req.noThinking() ? runner.ceilingGrace(req) : null);
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
}
