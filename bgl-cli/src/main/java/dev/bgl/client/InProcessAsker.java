package dev.bgl.client;

import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.decode.TokenListener;
import dev.bgl.server.FeedbackService;
import dev.bgl.server.feedback.TaskTypes;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers in this process, as the server would: with no budget asked for it takes the store's
 * suggestion, runs the question through the {@link BudgetRunner} (greedy), records the request and
 * passes ratings to the store. Outcomes are cached per (question, budget): greedy decoding gives
 * the same tokens every time, so a repeat costs nothing and replays the first run's seconds.
 */
public final class InProcessAsker implements Asker {
    private record Key(String question, int budget) {
    }

    /** A generated answer and whether it kept its budget ({@link BudgetOutcome#withinBudget}: the one rule). */
    private record Run(Asker.Answer answer, boolean kept) {
    }

    private final BudgetRunner runner;
    private final FeedbackService store;
    private final Method method;
    private final int maxTokens;
    private final Map<Key, Run> cache = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private int generations;

    public InProcessAsker(BudgetRunner runner, FeedbackService store, Method method, int maxTokens) {
        this.runner = runner;
        this.store = store;
        this.method = method;
        this.maxTokens = maxTokens;
    }

    /** How many questions were actually generated (cache misses). */
    public synchronized int generations() {
        return generations;
    }

    @Override
    public Answer ask(String question, Integer budgetTokens, String user) {
        int budget = budgetTokens != null ? budgetTokens : store.suggest(user, question).budgetTokens();
        Run run = cache.get(new Key(question, budget));
        if (run == null) {
            BudgetOutcome o;
            long t0 = System.nanoTime();
            synchronized (this) { // one runner: one generation at a time
                o = runner.run(BudgetRequest.of(question, method, budget, maxTokens), TokenListener.NONE);
                generations++;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            run = new Run(new Answer(null, o.answer(), o.thinkingClosed(), o.thinkingTokens(), o.answerTokens(), secs, budget),
                    o.withinBudget());
            cache.put(new Key(question, budget), run);
        }
        Answer a = run.answer();
        String id = "sim-" + Long.toHexString(System.nanoTime()) + "-" + ids.incrementAndGet();
        store.recordRequest(new FeedbackService.RequestRecord(id, user, TaskTypes.hash(question), store.taskType(question),
                method.name(), budget, budget + "tok", a.thinkingTokens(), a.answerTokens(), a.seconds(),
                run.kept(), null, System.currentTimeMillis()));
        return new Answer(id, a.answer(), a.thinkingClosed(), a.thinkingTokens(), a.answerTokens(), a.seconds(), budget);
    }

    @Override
    public boolean rate(String requestId, String user, int stars, List<String> tags) {
        return store.recordRating(new FeedbackService.Rating(requestId, user, stars, tags, "", System.currentTimeMillis()));
    }
}
