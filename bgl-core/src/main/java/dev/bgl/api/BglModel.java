package dev.bgl.api;

import dev.bgl.budget.Budget;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Plan;
import dev.bgl.budget.Method;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.Cancellation;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.util.BglException;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loaded model that answers questions under a {@link Budget}; from {@link Bgl#load}.
 *
 * <p><b>Threads.</b> Any number of threads may ask at once. A {@link BudgetRunner} keeps per-run state
 * (its predictor's buffers, the live guidance), so it answers one question at a time; this model holds
 * a pool of {@link BglOptions#concurrency()} runners on the one set of weights (shared, read-only) and
 * each ask borrows one, waiting in turn (fairly) while all are busy. A pool rather than a lock
 * because several generations at once is what a server-like application wants (a short question is
 * not stuck behind a long one); the default is one, because one decode already spreads its matrix
 * work over every core, so more at once mostly shares the same cores and adds a KV cache each.
 *
 * <p><b>Closing.</b> {@link #close} stops the generations in flight (they return what they had, with
 * stop reason {@code cancelled}), waits for them, then frees the model; an ask after it, or one that
 * was waiting for a runner, is a {@link BglException}. A listener cancels its ask rather than closing
 * the model (close() there would wait for itself, and says so).
 */
public final class BglModel implements AutoCloseable {
    /** The token cap of an ask that gives none, unless its token budget and the answer cap need more. */
    public static final int DEFAULT_MAX_TOKENS = 1024;

    private final LoadedModel model;
    private final boolean hasPredictor;
    private final BlockingQueue<BudgetRunner> idle;
    private final int poolSize;
    private final Set<Cancellation> running = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Whether this thread is inside an ask of this model (a listener calling close() would wait for itself). */
    private final ThreadLocal<Boolean> asking = ThreadLocal.withInitial(() -> false);

    BglModel(LoadedModel model, BudgetPredictor predictor, GuidanceOptions guidance, BglOptions options) {
        this.model = model;
        this.hasPredictor = predictor != null;
        this.poolSize = options.concurrency();
        this.idle = new ArrayBlockingQueue<>(poolSize, true);
        for (int i = 0; i < poolSize; i++) {
            // each runner makes its own predictor instance (own buffers) on the shared weights
            BudgetRunner r = new BudgetRunner(model, predictor, guidance);
            if (options.answerMax() > 0) r.withAnswerMax(options.answerMax());
            idle.add(r);
        }
    }

    /** Answers a question under a budget, with the budget's default method, greedily. */
    public Answer ask(String question, Budget budget) {
        return ask(List.of(ChatMessage.user(question)), budget, AskOptions.DEFAULT);
    }

    /** Answers the last message of a conversation (system, user and assistant messages) under a budget. */
    public Answer ask(List<ChatMessage> messages, Budget budget, AskOptions options) {
        return stream(messages, budget, options, AnswerListener.NONE);
    }

    /** {@link #ask(String, Budget)}, handing the thinking and the answer to {@code listener} as they are generated. */
    public Answer stream(String question, Budget budget, AnswerListener listener) {
        return stream(List.of(ChatMessage.user(question)), budget, AskOptions.DEFAULT, listener);
    }

    /**
     * Answers, handing the thinking and the answer to {@code listener} as they are generated, on this
     * thread; returns when the answer is complete or cancelled ({@link AskOptions#withCancellation}).
     */
    public Answer stream(List<ChatMessage> messages, Budget budget, AskOptions options, AnswerListener listener) {
        if (messages == null || messages.isEmpty()) throw new BglException("no messages to answer");
        if (budget == null) throw new BglException("no budget given (Budget.NONE: think freely)");
        if (options == null) options = AskOptions.DEFAULT;
        if (listener == null) listener = AnswerListener.NONE;
        Method method = options.method() != null ? options.method() : budget.defaultMethod(hasPredictor);
        check(method, budget);
        Cancellation cancel = options.cancellation() != null ? options.cancellation() : new Cancellation();
        BudgetRunner runner = take();
        running.add(cancel);
        asking.set(true);
        try {
            if (closed) throw closedError(); // closed just after this ask took its runner, before close() could cancel it
            BudgetRequest req = request(messages, method, budget, options.sampler(), maxTokens(options, budget, runner), cancel);
            AnswerListener to = listener;
            Plan plan = runner.plan(req);
            PhaseSplitter split = new PhaseSplitter(model.tokenizer(), plan.promptPhase(), Math.max(0, model.thinkCloseTokens().length - 1),
                    new PhaseSplitter.Sink() {
                        public void reasoning(String text) {
                            to.onThinking(text);
                        }

                        public void content(String text) {
                            to.onAnswer(text);
                        }
                    });
            long t0 = System.nanoTime();
            BudgetRunner.Metered m = runner.runMetered(plan, split);
            split.finish();
            return answer(budget, m, (System.nanoTime() - t0) / 1e9);
        } finally {
            asking.remove();
            running.remove(cancel);
            idle.add(runner);
        }
    }

    /** Whether a budget predictor is loaded: the {@code guided} method needs one, and budgets default to it then. */
    public boolean hasPredictor() {
        return hasPredictor;
    }

    /** The model's file or folder name. */
    public String name() {
        return model.name();
    }

    /** Whether the model thinks ({@code <think>…</think>}): budget methods need a thinking model. */
    public boolean isThinkingModel() {
        return model.isThinkingModel();
    }

    /** Stops the generations in flight, waits for them to return, and frees the model; later asks fail. Idempotent. */
    @Override
    public void close() {
        if (asking.get())
            throw new BglException("close() inside an ask of " + model.name() + " would wait for itself: cancel the ask, and close once it returns");
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        running.forEach(Cancellation::cancel);
        java.util.List<BudgetRunner> back = new java.util.ArrayList<>();
        boolean interrupted = false;
        while (back.size() < poolSize) {
            try {
                back.add(idle.take()); // every runner home: nothing reads the weights any more
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        model.close();
        idle.addAll(back); // wakes the asks still waiting: they see the model closed
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static BudgetRequest request(List<ChatMessage> messages, Method method, Budget budget, SamplerConfig sampler,
                                         int maxTokens, Cancellation cancel) {
        return new BudgetRequest(messages, method, budget, sampler, maxTokens, cancel);
    }

    private Answer answer(Budget budget, BudgetRunner.Metered m, double seconds) {
        BudgetOutcome o = m.outcome();
        int prompt = o.result().promptTokens();
        return new Answer(o.thinking(), o.answer(), o.thinkingTokens(), o.answerTokens(), o.result().tokens().length, prompt, budget, o.method(),
                o.withinBudget(), o.thinkingClosed(), o.intervened(), o.stopReason(), seconds);
    }

    private void check(Method method, Budget budget) {
        if (method.usesBudget() && budget.unlimited())
            throw new BglException("method '" + method.name() + "' needs a budget: give Budget.tokens(n) or Budget.parse(\"5s\"), "
                    + "or no method (Budget.NONE thinks freely)");
        if (method instanceof Method.Prompt && !budget.tokensOnly())
            throw new BglException("method 'prompt' asks for a number of tokens in words: give a token budget, got '" + budget.source() + "'");
        if (method instanceof Method.Guided && !hasPredictor)
            throw new BglException("method 'guided' needs a budget predictor, and " + model.name() + " was loaded without one "
                    + "(BglOptions.withPredictor, or NAME.predictor.safetensors beside the model)");
        if (method.usesBudget() && !model.isThinkingModel())
            throw new BglException("model " + model.name() + " " + model.notThinkingReason() + ": method '" + method.name() + "' needs a thinking model");
    }

    private static int maxTokens(AskOptions options, Budget budget, BudgetRunner runner) {
        if (options.maxTokens() > 0) return options.maxTokens();
        return Math.max(DEFAULT_MAX_TOKENS, budget.tokens() + runner.answerMax() + 16); // 16: the closing text
    }

    private BudgetRunner take() {
        if (closed) throw closedError();
        BudgetRunner r;
        try {
            r = idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BglException("interrupted while waiting to ask " + model.name());
        }
        if (closed) { // closed while this ask waited: close() is collecting the runners
            idle.add(r);
            throw closedError();
        }
        return r;
    }

    private BglException closedError() {
        return new BglException("model " + model.name() + " is closed");
    }
}
